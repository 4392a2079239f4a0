"""Modification indices for FIML, MLR and multi-group ML fits vs lavaan 0.6-14 ``modindices()``.

Fixture: tests/reference/sem_modindices.R (FIML on data/hs_missing.csv, MLR and group = "school" on
HolzingerSwineford1939). lavaan is fitted twice per model: with its defaults and polished to the optimum
(BFGS, reltol 1e-16); MI/EPC move to first order with where the optimizer stopped, so the polished fit is
the reference for our modindices() and the default fit is checked too where it agrees within 1e-4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, load_dataset, load_reference
from sem_helpers import HS_MODEL

from engagesurvey.sem import cfa

TOL = 1e-4


@pytest.fixture(scope="module")
def ref():
    return load_reference("sem_modindices")


@pytest.fixture(scope="module")
def fits():
    hs = load_dataset("HolzingerSwineford1939")
    hsm = pd.read_csv(REFERENCE / "data" / "hs_missing.csv")
    assert hsm.isna().any(axis=1).sum() > 50
    return {"fiml": cfa(HS_MODEL, hsm, missing="fiml"), "mlr": cfa(HS_MODEL, hs, estimator="MLR"),
            "group": cfa(HS_MODEL, hs, group="school")}


def _diffs(case, fit, block, labels) -> dict:
    """Max over rows of |ours - lavaan| / max(1, |lavaan|) for mi, epc, sepc_all (rows matched by key)."""
    ours = fit.modindices()
    keys = ["lhs", "op", "rhs"]
    if case == "group":
        ours = ours.assign(group=[labels.index(g) + 1 for g in ours["group"]])
        keys.append("group")
    else:
        assert ours["group"].isna().all()
        ours = ours.drop(columns="group")
    r = pd.DataFrame(block["mi"])
    m = r.merge(ours, on=keys, suffixes=("_r", ""))
    assert len(m) == len(r) == len(ours), (len(m), len(r), len(ours))
    out = {}
    for col, rcol in (("mi", "mi_r"), ("epc", "epc_r"), ("sepc_all", "sepc.all")):
        rel = np.abs(m[col] - m[rcol]) / np.maximum(1, np.abs(m[rcol]))
        i = int(np.argmax(rel))
        out[col] = (float(rel.iloc[i]), tuple(m.iloc[i][keys]), float(m[col].iloc[i]), float(m[rcol].iloc[i]))
    return out


@pytest.mark.parametrize("case", ["fiml", "mlr", "group"])
def test_modindices_match_converged_lavaan(fits, ref, case):
    block = ref[case]["tight"]
    assert block["grad"] < 1e-7
    assert abs(fits[case].fit_measures["chisq"] - block["chisq"]) < TOL
    d = _diffs(case, fits[case], block, ref["group"]["labels"])
    assert max(v[0] for v in d.values()) < TOL, d


@pytest.mark.parametrize("case", [
    "fiml", "mlr",
    pytest.param("group", marks=pytest.mark.xfail(strict=True, reason=(
        "not a modindices() difference: lavaan's default nlminb fit stops at max|gradient| 1.6e-6 with estimates "
        "1.5e-5 from the optimum; that moves 6 MIs by 1.0-1.5e-4 relative (x1 ~~ x3 group 1: lavaan 0.64054, ours "
        "and polished lavaan 0.64069; largest absolute x7 ~~ x8 group 2: 24.81862 vs 24.81733); epc within 3e-5. "
        "The polished lavaan fit agrees with ours to < 1e-6"))),
])
def test_modindices_match_default_lavaan(fits, ref, case):
    d = _diffs(case, fits[case], ref[case]["default"], ref["group"]["labels"])
    assert max(v[0] for v in d.values()) < TOL, d
