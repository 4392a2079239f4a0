"""invariance() with ordered indicators (WLSMV) and the satorra.2000 difference test vs lavaan 0.6-14.

Fixture: tests/reference/sem_wlsmv_invariance.R (two-factor CFA of A1-A5, C1-C5 of bfi, listwise
complete rows, groups = gender; configural vs thresholds + loadings, lavTestLRT).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_dataset, load_reference
from sem_helpers import r_name

from engagesurvey.errors import EngageSurveyError
from engagesurvey.sem import cfa
from engagesurvey.sem.invariance import invariance
from engagesurvey.sem.wls_diff import wlsmv_difference

TOL = 1e-4
ITEMS = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
FIT_COLS = ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq_scaled", "cfi_scaled", "tli_scaled",
            "rmsea_scaled", "cfi_robust", "rmsea_robust")


def _close(ours, theirs, tol=TOL):
    """Relative difference (absolute below 1), as the other SEM tests."""
    return abs(float(ours) - float(theirs)) / max(1.0, abs(float(theirs))) < tol


@pytest.fixture(scope="module")
def ref():
    return load_reference("sem_wlsmv_invariance")


@pytest.fixture(scope="module")
def data():
    bfi = load_dataset("bfi")
    return bfi.loc[bfi[ITEMS].notna().all(axis=1), ITEMS + ["gender"]]


@pytest.fixture(scope="module")
def result(ref, data):
    return invariance(ref["model"], data, "gender", ordered=True)


def test_table_matches_lavaan(ref, result):
    t = result.table
    assert result.estimator == "WLSMV"
    assert list(t.index) == ["configural", "scalar"]
    for level in t.index:
        fm = ref["fm"][level]
        for col in FIT_COLS:
            theirs = fm[r_name(col) if col != "srmr" else "srmr"]
            if theirs == "NA":  # lavaan 0.6-14: robust indices are NA once scale factors are free
                assert np.isnan(t.loc[level, col]), (level, col)
            else:
                assert _close(t.loc[level, col], theirs), (level, col, t.loc[level, col], theirs)
    assert np.isnan(t.loc["scalar", "cfi_robust"]) and np.isfinite(t.loc["configural", "cfi_robust"])
    lrt = ref["lrt"]
    row = t.loc["scalar"]
    assert _close(row["delta_chisq"], lrt["chisq_diff"]) and row["delta_df"] == lrt["df_diff"]
    assert abs(row["p_value"] - lrt["p"]) < 1e-8
    sc, cf = ref["fm"]["scalar"], ref["fm"]["configural"]
    assert _close(row["delta_cfi"], sc["cfi.scaled"] - cf["cfi.scaled"])
    assert _close(row["delta_rmsea"], sc["rmsea.scaled"] - cf["rmsea.scaled"])
    assert row["verdict"] == ("holds" if row["delta_cfi"] >= -0.01 and row["delta_rmsea"] <= 0.015
                              else "not supported")
    assert t.loc["configural", "verdict"] == "baseline" and np.isnan(t.loc["configural", "delta_chisq"])
    text = result.summary()
    assert "WLSMV" in text and "scalar" in text


def test_satorra2000_pieces_and_mean_var_version(ref, result):
    fit0, fit1 = result.fits["scalar"], result.fits["configural"]
    d = wlsmv_difference(fit0, fit1)
    s = ref["satorra2000"]
    for ours, key in ((d.trace_ugamma, "trace_ugamma"), (d.trace_ugamma2, "trace_ugamma2"), (d.a, "a"),
                      (d.b, "b")):
        assert _close(ours, s[key]), (key, ours, s[key])
    mv = wlsmv_difference(fit0, fit1, scaled_shifted=False)
    r = ref["lrt_mean_var"]
    assert _close(mv.delta_chisq, r["chisq_diff"]) and _close(mv.delta_df, r["df_diff"])
    assert abs(mv.p_value - r["p"]) < 1e-8
    assert _close(mv.scaling_factor, s["trace_ugamma2"] / s["trace_ugamma"])


def test_less_restricted_model_with_constraints(ref, data, result):
    """lavTestLRT(thresholds + loadings, + lv.variances): model 1 already has equality constraints."""
    lvvar = cfa(ref["model"], data, ordered=True, group="gender",
                group_equal=("thresholds", "loadings", "lv.variances"))
    d = wlsmv_difference(lvvar, result.fits["scalar"])
    r = ref["lrt_lvvar"]
    assert _close(d.delta_chisq, r["chisq_diff"]) and d.delta_df == r["df_diff"]
    assert abs(d.p_value - r["p"]) < 1e-8


def test_estimator_wlsmv_and_ordered_list_give_the_same_table(ref, data, result):
    res = invariance(ref["model"], data, "gender", estimator="WLSMV", ordered=ITEMS,
                     levels=("configural", "scalar"))
    np.testing.assert_allclose(res.table["delta_chisq"].to_numpy(float),
                               result.table["delta_chisq"].to_numpy(float), atol=1e-10, equal_nan=True)


def test_strict_is_not_testable_under_delta(ref, data, result):
    # lavaan: + "intercepts" + "residuals" leaves the delta-parameterized model unchanged
    sd = ref["strict_delta"]
    assert sd["df"] == sd["scalar_df"] and sd["chisq"] == sd["scalar_chisq"]
    assert sd["df"] == result.table.loc["scalar", "df"]
    with pytest.raises(EngageSurveyError, match="level 'strict' is not available with WLSMV: residual"):
        invariance(ref["model"], data, "gender", ordered=True, levels=("configural", "scalar", "strict"))
    with pytest.raises(EngageSurveyError, match="level 'metric' is not available with WLSMV"):
        invariance(ref["model"], data, "gender", ordered=True, levels=("configural", "metric"))
    with pytest.raises(EngageSurveyError, match="unknown invariance level 'weak'"):
        invariance(ref["model"], data, "gender", ordered=True, levels=("configural", "weak"))


def test_difference_errors(result):
    fit0, fit1 = result.fits["scalar"], result.fits["configural"]
    with pytest.raises(EngageSurveyError, match="give the more restricted model first"):
        wlsmv_difference(fit1, fit0)
    zero = wlsmv_difference(fit0, fit0)
    assert zero.delta_df == 0 and zero.delta_chisq == 0 and np.isnan(zero.p_value)


def test_difference_needs_wlsmv_fits(data, ref):
    ml = cfa(ref["model"], data[ITEMS].astype(float))
    ml0 = cfa(ref["model"].replace("A5\n", "A5\nagree ~~ 0*consc\n"), data[ITEMS].astype(float))
    with pytest.raises(EngageSurveyError, match="needs two WLSMV fits"):
        wlsmv_difference(ml0, ml)


def test_wlsmv_without_ordered_is_an_error(ref, data):
    with pytest.raises(EngageSurveyError, match="WLSMV needs ordered indicators"):
        invariance(ref["model"], data, "gender", estimator="WLSMV")
