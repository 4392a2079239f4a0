"""MLR, FIML and multi-group invariance vs lavaan 0.6-14.

Fixtures: tests/reference/sem_hs.R (MLR), sem_fiml.R (FIML, data/hs_missing.csv),
sem_invariance.R (configural/metric/scalar/strict across school, ML and MLR, lavTestLRT).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, load_dataset, load_reference
from sem_helpers import HS_MODEL, fm_diffs, pe_diffs

from engagesurvey.errors import EngageSurveyError
from engagesurvey.sem import InvarianceResult, cfa, invariance

TOL = 1e-4
LEVELS = ("configural", "metric", "scalar", "strict")


@pytest.fixture(scope="module")
def hs():
    return load_dataset("HolzingerSwineford1939")


def test_mlr_matches_lavaan(hs):
    ref = load_reference("sem_hs")["mlr"]
    res = cfa(HS_MODEL, hs, estimator="MLR")
    d = pe_diffs(res.estimates, ref["pe"])
    assert max(d.values()) < TOL, d
    f = fm_diffs(res.fit_measures, ref["fm"])
    assert max(f.values()) < TOL, f
    for k in ("chisq_scaled", "df_scaled", "pvalue_scaled", "chisq_scaling_factor", "cfi_robust", "tli_robust",
              "rmsea_robust"):
        assert k in f
    assert "Scaling correction factor" in res.summary()


def test_fiml_matches_lavaan():
    ref = load_reference("sem_fiml")["fiml"]
    data = pd.read_csv(REFERENCE / "data" / "hs_missing.csv")
    assert data.isna().any(axis=1).sum() > 50
    res = cfa(HS_MODEL, data, missing="ml")
    d = pe_diffs(res.estimates, ref["pe"])
    assert max(d.values()) < TOL, d
    f = fm_diffs(res.fit_measures, ref["fm"])
    assert max(f.values()) < TOL, f
    assert {"chisq", "cfi", "rmsea", "srmr", "loglik", "unrestricted_loglik"} <= set(f)
    assert res.nobs[None] == len(data)


@pytest.fixture(scope="module")
def inv_ref():
    return load_reference("sem_invariance")


@pytest.mark.parametrize("est", ["ML", "MLR"])
def test_invariance_matches_lavaan(hs, inv_ref, est):
    ref = inv_ref[est.lower()]
    res = invariance(HS_MODEL, hs, "school", estimator=est)
    assert isinstance(res, InvarianceResult)
    assert list(res.table.index) == list(LEVELS)
    labels = list(pd.unique(hs["school"]))
    for lv in LEVELS:
        fit = res.fits[lv]
        d = pe_diffs(fit.estimates, ref["pe"][lv], labels)
        assert max(d.values()) < TOL, (lv, d)
        f = fm_diffs(fit.fit_measures, ref["fm"][lv])
        assert max(f.values()) < TOL, (lv, {k: v for k, v in f.items() if v >= TOL})
    t = res.table
    for i, lv in enumerate(LEVELS[1:], start=1):
        assert abs(t.loc[lv, "delta_chisq"] - ref["lrt"]["chisq_diff"][i]) < TOL * max(1, ref["lrt"]["chisq_diff"][i])
        assert t.loc[lv, "delta_df"] == ref["lrt"]["df_diff"][i]
        assert abs(t.loc[lv, "p_value"] - ref["lrt"]["p"][i]) < TOL
    cols = ["chisq", "df", "cfi", "tli", "rmsea", "srmr", "delta_chisq", "delta_df", "p_value", "delta_cfi",
            "delta_rmsea"]
    if est == "MLR":
        cols += ["chisq_scaled", "cfi_robust", "rmsea_robust"]
    assert all(c in t.columns for c in cols)
    # verdict follows Chen (2007): scalar invariance fails here (delta CFI about -.04)
    assert t.loc["metric", "verdict"] == "holds" and t.loc["scalar", "verdict"] == "not supported"
    assert "Chen 2007" in res.summary()
    assert set(res.fits["metric"].estimates["group"]) == set(labels)


def test_multigroup_labels_and_errors(hs):
    res = cfa("visual =~ x1 + c(a, a)*x2 + x3", hs, group="school")
    est = res.estimates[(res.estimates.op == "=~") & (res.estimates.rhs == "x2")]["est"].to_numpy()
    assert abs(est[0] - est[1]) < 1e-12
    with pytest.raises(EngageSurveyError, match="group column 'schul'"):
        cfa(HS_MODEL, hs, group="schul")
    with pytest.raises(EngageSurveyError, match="unknown invariance level 'weak'"):
        invariance(HS_MODEL, hs, "school", levels=("configural", "weak"))
    with pytest.raises(EngageSurveyError, match="MLR needs the raw data"):
        cfa(HS_MODEL, sample_cov=hs[[f"x{i}" for i in range(1, 10)]].cov(), sample_nobs=301, estimator="MLR")
    with pytest.raises(EngageSurveyError, match="WLSMV"):
        cfa(HS_MODEL, hs, estimator="WLSMV")
