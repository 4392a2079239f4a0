"""Fits from a Moments object: alpha, omega, EFA/factorability, CFA/SEM and invariance.

Two checks each: the fit from the moments equals the raw-data fit of the same rows (1e-10 for closed
forms, 1e-8 for iterative fits: the same optimiser on the same sample statistics), and it matches R
(tests/reference/moments_fits.R: psych::alpha of the complete rows, psych::omega of a covariance matrix,
lavaan from sample.cov/sample.mean/sample.nobs with the groups in sorted order).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference
from sem_helpers import HS_MODEL, fm_diffs, pe_diffs

from engagesurvey import factor, factorability
from engagesurvey import reliability as rel
from engagesurvey.errors import EngageSurveyError
from engagesurvey.moments import Moments
from engagesurvey.sem import cfa, invariance, sem

REF = load_reference("moments_fits")
XS = [f"x{i}" for i in range(1, 10)]
LEVELS = ("configural", "metric", "scalar", "strict")
EXACT = 1e-10  # closed forms: moments vs raw data
FIT = 1e-8  # iterative fits: moments vs raw data
R_CLOSED, R_ITER = 1e-6, 1e-4  # against R


@pytest.fixture(scope="module")
def bfi():
    return load_dataset("bfi")


@pytest.fixture(scope="module")
def hs():
    return load_dataset("HolzingerSwineford1939")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ------------------------------------------------------------------------------------------ alpha
ALPHA_CASES = {"alpha_A": ([f"A{i}" for i in range(1, 6)], ["A1"]),
               "alpha_C": ([f"C{i}" for i in range(1, 6)], ["C4", "C5"])}
SCALARS = ["alpha", "std_alpha", "g6", "average_r", "signal_noise", "median_r", "var_r", "ase", "mean", "sd"]


@pytest.mark.parametrize("case", list(ALPHA_CASES))
@pytest.mark.parametrize("ci_method", ["feldt", "duhachek"])
def test_alpha_from_moments_equals_listwise_raw(bfi, case, ci_method):
    items, rev = ALPHA_CASES[case]
    df = bfi[items]
    assert df.isna().any(axis=1).sum() > 50  # the Moments must drop incomplete rows
    m = Moments.from_frame(df)
    ours = _quiet(rel.alpha, m, reverse=rev, scale=(1, 6), missing="listwise", ci_method=ci_method)
    raw = _quiet(rel.alpha, df.dropna(), reverse=rev, scale=(1, 6), missing="listwise", ci_method=ci_method)
    for f in SCALARS:
        assert abs(getattr(ours, f) - getattr(raw, f)) < EXACT, f
    assert ours.n == raw.n == ours.n_ci == raw.n_ci == m.n
    assert ours.missing == "listwise"
    np.testing.assert_allclose(ours.ci, raw.ci, rtol=0, atol=EXACT)
    pd.testing.assert_frame_equal(ours.item_stats, raw.item_stats, check_exact=False, rtol=0, atol=EXACT)


@pytest.mark.parametrize("case", list(ALPHA_CASES))
def test_alpha_from_moments_matches_psych(bfi, case):
    items, rev = ALPHA_CASES[case]
    ref = REF[case]
    m = Moments.from_frame(bfi[items])
    res = _quiet(rel.alpha, m, reverse=rev, scale=(1, 6), missing="listwise")
    for ours, key in [("alpha", "raw_alpha"), ("std_alpha", "std_alpha"), ("g6", "g6"), ("average_r", "average_r"),
                      ("signal_noise", "signal_noise"), ("ase", "ase"), ("mean", "mean"), ("sd", "sd"),
                      ("median_r", "median_r"), ("var_r", "var_r")]:
        assert abs(getattr(res, ours) - ref[key]) < R_CLOSED, ours
    assert res.n_ci == ref["n_rows"]
    np.testing.assert_allclose(res.ci, [ref["feldt_lower"], ref["feldt_upper"]], atol=R_CLOSED)
    duh = rel.alpha(m, reverse=rev, scale=(1, 6), missing="listwise", ci_method="duhachek")
    np.testing.assert_allclose(duh.ci, [ref["duhachek_lower"], ref["duhachek_upper"]], atol=R_CLOSED)
    assert list(res.item_stats.index) == ref["items"]
    for col in ["n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"]:
        np.testing.assert_allclose(res.item_stats[col], ref["item_stats"][col], atol=R_CLOSED, err_msg=col)
    for r_key, col in [("raw_alpha", "alpha_if_deleted"), ("std_alpha", "std_alpha_if_deleted"),
                       ("g6", "g6_if_deleted"), ("alpha_se", "alpha_se_if_deleted")]:
        np.testing.assert_allclose(res.item_stats[col], ref["alpha_drop"][r_key], atol=R_CLOSED, err_msg=col)


def test_alpha_moments_missing_warning_and_errors(bfi):
    items = [f"C{i}" for i in range(1, 6)]
    m = Moments.from_frame(bfi[items])
    with pytest.warns(UserWarning, match=r"uses its \d+ complete rows \(listwise\)"):
        default = rel.alpha(m, reverse=["C4", "C5"], scale=(1, 6))
    assert default.missing == "listwise" and default.n == m.n
    complete = Moments.from_frame(bfi[items].dropna())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # complete data: nothing to warn about
        rel.alpha(complete, reverse=["C4", "C5"], scale=(1, 6))
    with pytest.raises(EngageSurveyError, match="bootstrap.*needs the raw rows"):
        rel.alpha(m, missing="listwise", ci_method="bootstrap")
    with pytest.raises(EngageSurveyError, match=r"needs scale=\(min, max\)"):
        rel.alpha(m, reverse=["C4"], missing="listwise")
    with pytest.raises(EngageSurveyError, match="not columns: C9"):
        rel.alpha(m, reverse=["C9"], scale=(1, 6), missing="listwise")
    flat = Moments.from_frame(pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 2, 2, 2], "c": [1.0, 3, 2, 4]}))
    with pytest.raises(EngageSurveyError, match="no variance.*: b"):
        rel.alpha(flat, missing="listwise")
    with pytest.raises(EngageSurveyError, match="at least 2 columns"):
        rel.alpha(Moments.from_frame(bfi[["C1"]]), missing="listwise")
    assert "missing = listwise" in default.summary()


# ------------------------------------------------------------------------------------------ omega, EFA
def test_omega_from_moments(bfi):
    items = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
    m = Moments.from_frame(bfi[items])
    ours = _quiet(rel.omega, m, n_factors=2)
    raw = _quiet(rel.omega, bfi[items].dropna(), n_factors=2)
    assert abs(ours.omega_total - raw.omega_total) < FIT
    assert abs(ours.omega_hierarchical - raw.omega_hierarchical) < FIT
    pd.testing.assert_frame_equal(ours.loadings, raw.loadings, check_exact=False, rtol=0, atol=FIT)
    ref = REF["omega_AC"]
    assert ref["n"] == m.n
    assert abs(ours.omega_total - ref["omega_total"]) < R_ITER
    assert abs(ours.omega_hierarchical - ref["omega_h"]) < R_ITER
    np.testing.assert_allclose(ours.loadings.to_numpy(), np.array(ref["sl"], dtype=float), atol=R_ITER)
    np.testing.assert_allclose(ours.group.to_numpy(), np.array(ref["group"], dtype=float), atol=R_ITER)
    rev = _quiet(rel.omega, m, n_factors=2, reverse=["A1"])
    assert rev.key["A1"] == -ours.key["A1"] and abs(rev.omega_total - ours.omega_total) < FIT
    with pytest.raises(EngageSurveyError, match="either a Moments object or cov"):
        rel.omega(m, cov=m.cov)


def test_efa_and_factorability_from_moments(bfi):
    items = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
    df = bfi[items].dropna()
    m = Moments.from_frame(bfi[items])
    ours, raw = factor.efa(m, 2), factor.efa(df, 2)
    assert ours.n_obs == raw.n_obs == len(df)
    pd.testing.assert_frame_equal(ours.loadings, raw.loadings, check_exact=False, rtol=0, atol=FIT)
    for k in ("chisq", "rmsea", "tli", "bic"):
        assert abs(ours.fit[k] - raw.fit[k]) < FIT * max(1.0, abs(raw.fit[k])), k
    assert abs(factorability.kmo(m).overall - factorability.kmo(df).overall) < EXACT
    b_m, b_r = factorability.bartlett(m), factorability.bartlett(df)
    assert abs(b_m.chi2 - b_r.chi2) < EXACT * b_r.chi2 and b_m.df == b_r.df
    p_m = factorability.parallel_analysis(m, n_iter=5, seed=3)
    p_r = factorability.parallel_analysis(df, n_iter=5, seed=3)
    assert (p_m.n_factors, p_m.n_components) == (p_r.n_factors, p_r.n_components)
    for col in ("pc", "fa", "pc_sim_q", "fa_sim_q"):  # the same simulated draws for the same seed and n
        np.testing.assert_allclose(p_m.table[col], p_r.table[col], atol=FIT)


# ------------------------------------------------------------------------------------------ CFA / SEM
def _est_close(a: pd.DataFrame, b: pd.DataFrame, tol=FIT):
    assert list(a[["lhs", "op", "rhs"]].itertuples(index=False)) == list(b[["lhs", "op", "rhs"]].itertuples(index=False))
    assert a["group"].tolist() == b["group"].tolist()
    for col in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"):
        x, y = a[col].to_numpy(dtype=float), b[col].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y))
        ok = ~np.isnan(x)
        assert np.max(np.abs(x[ok] - y[ok]) / np.maximum(1.0, np.abs(y[ok]))) < tol, col


def _fm_close(a: dict, b: dict, tol=FIT):
    assert set(a) == set(b)
    for k in a:
        if np.isnan(b[k]):
            assert np.isnan(a[k]), k
        else:
            assert abs(a[k] - b[k]) < tol * max(1.0, abs(b[k])), k


def test_cfa_from_moments_single_group(hs):
    m = Moments.from_frame(hs[XS])
    ours, raw = cfa(HS_MODEL, m), cfa(HS_MODEL, hs)
    _est_close(ours.estimates, raw.estimates)
    _fm_close(ours.fit_measures, raw.fit_measures)
    assert ours.nobs == raw.nobs == {None: 301}
    ref = REF["cfa"]["single"]
    assert max(pe_diffs(ours.estimates, ref["pe"]).values()) < R_ITER
    f = fm_diffs(ours.fit_measures, ref["fm"])
    assert max(f.values()) < R_ITER, f
    # a mean structure from the Moments' means (lavaan's sample.mean)
    ours_m, raw_m = cfa(HS_MODEL, m, meanstructure=True), cfa(HS_MODEL, hs, meanstructure=True)
    _est_close(ours_m.estimates, raw_m.estimates)
    _fm_close(ours_m.fit_measures, raw_m.fit_measures)
    assert max(pe_diffs(ours_m.estimates, REF["cfa"]["single_mean"]["pe"]).values()) < R_ITER
    # es.sem and the sample_cov route give the same numbers
    _est_close(sem(HS_MODEL, m).estimates, raw.estimates)
    _est_close(cfa(HS_MODEL, sample_cov=m.cov, sample_nobs=m.n).estimates, raw.estimates)


def test_cfa_from_moments_uses_rows_complete_on_the_model(hs):
    m = Moments.from_frame(hs.drop(columns="school"))  # grade has a missing value: m.n = 300
    assert m.n == 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # x1..x9 observed on the same 301 rows: exact, no warning
        ours = cfa(HS_MODEL, m)
    assert ours.nobs == {None: 301}
    _est_close(ours.estimates, cfa(HS_MODEL, hs).estimates)
    gappy = hs.drop(columns="school").copy()
    gappy.loc[3, "x1"] = np.nan
    gappy.loc[5, "x2"] = np.nan
    with pytest.warns(UserWarning, match="counted over all its columns, including id, sex"):
        res = cfa(HS_MODEL, Moments.from_frame(gappy))
    assert res.nobs == {None: 298}  # the rows complete on all columns; raw data would keep 299
    exact = cfa(HS_MODEL, Moments.from_frame(gappy[XS]))
    _est_close(exact.estimates, cfa(HS_MODEL, gappy).estimates)


def test_multigroup_and_invariance_from_moments(hs):
    m = Moments.from_frame(hs, group="school")
    assert list(m.groups) == ["Grant-White", "Pasteur"]
    # raw data ordered as the Moments' groups (lavaan's first group is the reference group)
    hs_sorted = hs.sort_values("school", kind="stable")
    ours, raw = invariance(HS_MODEL, m, "school"), invariance(HS_MODEL, hs_sorted, "school")
    pd.testing.assert_frame_equal(ours.table, raw.table, check_exact=False, rtol=FIT, atol=FIT)
    ref = REF["cfa"]
    for lv in LEVELS:
        _est_close(ours.fits[lv].estimates, raw.fits[lv].estimates)
        _fm_close(ours.fits[lv].fit_measures, raw.fits[lv].fit_measures)
        assert max(pe_diffs(ours.fits[lv].estimates, ref["pe"][lv], ref["groups"]).values()) < R_ITER, lv
        f = fm_diffs(ours.fits[lv].fit_measures, ref["fm"][lv])
        assert max(f.values()) < R_ITER, (lv, {k: v for k, v in f.items() if v >= R_ITER})
    for i, lv in enumerate(LEVELS[1:], start=1):
        assert abs(ours.table.loc[lv, "delta_chisq"] - ref["lrt"]["chisq_diff"][i]) < R_ITER * ref["lrt"]["chisq_diff"][i]
        assert ours.table.loc[lv, "delta_df"] == ref["lrt"]["df_diff"][i]
        assert abs(ours.table.loc[lv, "p_value"] - ref["lrt"]["p"][i]) < R_ITER
    # group=True, and a list of values choosing the order (Pasteur first, as the raw data has it)
    _est_close(cfa(HS_MODEL, m, group=True).estimates, ours.fits["configural"].estimates)
    mine = cfa(HS_MODEL, m, group=["Pasteur", "Grant-White"], group_equal=("loadings", "intercepts"))
    theirs = cfa(HS_MODEL, hs, group="school", group_equal=("loadings", "intercepts"))
    _est_close(mine.estimates, theirs.estimates)
    _fm_close(mine.fit_measures, theirs.fit_measures)
    assert mine.nobs == {"Pasteur": 156, "Grant-White": 145}
    # no group: one group over all rows
    _est_close(cfa(HS_MODEL, m).estimates, cfa(HS_MODEL, hs).estimates)


def test_sem_moments_errors(hs):
    m = Moments.from_frame(hs[XS])
    mg = Moments.from_frame(hs[XS + ["school"]], group="school")
    with pytest.raises(EngageSurveyError, match="needs a Moments object built with a group column"):
        cfa(HS_MODEL, m, group="school")
    with pytest.raises(EngageSurveyError, match="grouped by 'school', not 'sex'"):
        cfa(HS_MODEL, mg, group="sex")
    with pytest.raises(EngageSurveyError, match="group value 'Paris' is not a group"):
        cfa(HS_MODEL, mg, group=["Pasteur", "Paris"])
    with pytest.raises(EngageSurveyError, match="at least two distinct"):
        cfa(HS_MODEL, mg, group=["Pasteur", "Pasteur"])
    with pytest.raises(EngageSurveyError, match="missing='fiml' needs the raw data"):
        cfa(HS_MODEL, m, missing="fiml")
    with pytest.raises(EngageSurveyError, match="MLR needs the raw data"):
        cfa(HS_MODEL, m, estimator="MLR")
    with pytest.raises(EngageSurveyError, match="ordered indicators need the raw data"):
        cfa(HS_MODEL, m, ordered=True)
    with pytest.raises(EngageSurveyError, match="'x9' in the model is not a column of the Moments"):
        cfa(HS_MODEL, Moments.from_frame(hs[XS[:-1]]))
    with pytest.raises(EngageSurveyError, match=r"too few complete rows \(5\) for 9 variables"):
        cfa(HS_MODEL, Moments.from_frame(hs[XS].iloc[:5]))
    with pytest.raises(EngageSurveyError, match="grouped by 'school', not 'grade'"):
        invariance(HS_MODEL, mg, "grade")
