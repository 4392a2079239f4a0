"""Review fixes in the statistics modules: rows left out are counted, reported and warned about; input
mistakes end in one-line errors; shared helpers are defined once. The estimates themselves are checked
against R in test_sem_*.py, test_factor.py, test_omega.py, test_reliability.py."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset

import engagesurvey as es
from engagesurvey import factor, polychoric, reliability
from engagesurvey._prep import item_array, numeric_frame, reverse_array
from engagesurvey.errors import EngageSurveyError
from engagesurvey.sem.reliability import composite, htmt
from engagesurvey.simulate import simulate
from engagesurvey.validation import validate

M = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
M2 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
XS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs():
    return load_dataset("HolzingerSwineford1939")


@pytest.fixture(scope="module")
def hm():
    return load_dataset("hs_missing")


# ------------------------------------------------------------------ 1. SEM row accounting
def test_cfa_listwise_counts_warns_and_reports_dropped_rows(hm):
    incomplete = int(hm[XS].isna().any(axis=1).sum())
    assert incomplete > 0
    with pytest.warns(UserWarning, match=rf"^{incomplete} of {len(hm)} rows were not used: {incomplete} with a "
                                         r"missing value on a model variable \(listwise deletion\)$"):
        fit = es.cfa(M, hm)
    assert fit.nobs == {None: len(hm) - incomplete}
    assert fit.ntotal == len(hm)
    assert fit.excluded == {"with a missing value on a model variable (listwise deletion)": incomplete}
    text = fit.summary()
    assert f"Used {len(hm) - incomplete} / Total {len(hm)}" in text
    assert f"excluded: {incomplete} with a missing value on a model variable" in text


def test_cfa_complete_data_reports_no_exclusions(hs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = es.cfa(M, hs)
    assert fit.ntotal == len(hs) and fit.excluded == {}
    assert f"Used {len(hs)} / Total {len(hs)}" in fit.summary()


def test_cfa_missing_group_value_is_counted(hs):
    g = hs.assign(school=hs["school"].where(np.arange(len(hs)) >= 3))
    with pytest.warns(UserWarning, match=f"3 of {len(hs)} rows were not used: 3 with a missing value of group "
                                         "column 'school'"):
        fit = es.cfa(M2, g, group="school")
    assert sum(fit.nobs.values()) == len(hs) - 3
    assert fit.ntotal == len(hs)
    assert fit.excluded == {"with a missing value of group column 'school'": 3}


def test_fiml_counts_rows_with_nothing_observed(hm):
    data = hm.copy()
    data.loc[data.index[:2], XS] = np.nan
    with pytest.warns(UserWarning, match="2 of .* rows were not used: 2 with no observed value"):
        fit = es.cfa(M, data, missing="fiml")
    assert fit.nobs == {None: len(data) - 2}
    assert fit.excluded == {"with no observed value on the model's variables": 2}


def test_wlsmv_counts_dropped_rows(hs):
    o = hs.assign(**{x: pd.cut(hs[x], 4, labels=False).astype(float) for x in XS})
    o.loc[o.index[:5], "x1"] = np.nan
    with pytest.warns(UserWarning, match=f"5 of {len(o)} rows were not used: 5 with a missing value"):
        fit = es.cfa(M, o, ordered=True)
    assert fit.ntotal == len(o) and sum(fit.nobs.values()) == len(o) - 5
    assert f"Used {len(o) - 5} / Total {len(o)}" in fit.summary()


# ------------------------------------------------------------------ validation: used n, missing passed on
@pytest.fixture(scope="module")
def scored_gaps():
    survey = simulate(4, 40, 600, seed=11, labels=False)
    sc = es.score(survey.data, es.combine_instruments(["we", "support"]), careless=False)
    sc.meta["agency"] = sc.meta["agency"].where(np.arange(len(sc.meta)) >= 30)  # 30 without a group
    return sc


def test_validate_reports_rows_used_and_keeps_missing_groups_missing(scored_gaps):
    sc = scored_gaps
    items = es.load_instrument("support").scales["support"].items
    incomplete = sc.items[items].isna().any(axis=1).to_numpy()
    no_group = sc.meta["agency"].isna().to_numpy()
    rep = validate(sc, "support", group="agency", invariance_levels=("configural",))
    assert rep.n == len(sc.items)
    # the CFA got every row and did the accounting itself (no duplicate dropna before it)
    assert rep.cfa.ntotal == len(sc.items)
    assert rep.n_cfa == int((~incomplete).sum())
    assert rep.cfa.excluded == {"with a missing value on a model variable (listwise deletion)": int(incomplete.sum())}
    # rows without a group are left out, not turned into a group "nan"
    conf = rep.invariance.fits["configural"]
    assert "nan" not in conf.nobs and None not in conf.nobs
    assert rep.n_invariance == int((~incomplete & ~no_group).sum())
    text = rep.summary()
    assert f"CFA: used {rep.n_cfa} of {rep.n} rows" in text
    assert f"invariance: used {rep.n_invariance} of {rep.n} rows" in text
    assert any("with a missing value of group column 'agency'" in n for n in rep.notes)


def test_validate_passes_missing_to_invariance(scored_gaps):
    rep = validate(scored_gaps, "support", group="agency", missing="fiml", invariance_levels=("configural",))
    assert rep.cfa._engine.missing == "fiml"
    assert rep.invariance.fits["configural"]._engine.missing == "fiml"
    assert rep.n_cfa == rep.n


# ------------------------------------------------------------------ 2./3. htmt and composite
def test_htmt_rejects_text_naming_column_row_value(hs):
    bad = hs.astype({"x1": object})
    bad.loc[4, "x1"] = "n/a"
    with pytest.raises(EngageSurveyError, match=r"column 'x1' is not numeric \(row 4, value 'n/a'\)"):
        htmt(bad, M2)


def test_htmt_warns_with_the_rows_dropped(hs, hm):
    k = int(hm[XS[:6]].isna().any(axis=1).sum())
    with pytest.warns(UserWarning, match=f"htmt: {k} of {len(hm)} rows with a missing value"):
        out = htmt(hm, M2)
    assert out.shape == (2, 2)


def test_composite_on_wlsmv_is_a_clear_error(hs):
    o = hs.assign(**{x: pd.cut(hs[x], 4, labels=False) for x in XS})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = es.cfa(M, o, ordered=True)
    with pytest.raises(EngageSurveyError, match=r"composite\(\) is not implemented for ordered indicators"):
        composite(fit)


# ------------------------------------------------------------------ 4. input mistakes
def test_infinite_cells_are_rejected_with_column_row_value(hs):
    X = hs[XS].copy()
    X.iloc[5, 0] = np.inf
    msg = r"column 'x1' has an infinite value \(row 5, value inf\)"
    for call in (lambda: reliability.alpha(X), lambda: reliability.omega(X), lambda: factor.efa(X, 2),
                 lambda: numeric_frame(X), lambda: item_array(X)):
        with pytest.raises(EngageSurveyError, match=msg):
            call()
    with pytest.raises(EngageSurveyError, match=msg):
        es.cfa("f =~ x1 + x2 + x3", X)
    with pytest.raises(EngageSurveyError, match=r"column 'x1' has an infinite value \(row 5, value -inf\)"):
        es.cfa("f =~ x1 + x2 + x3", X.assign(x1=-X["x1"]).round(), ordered=True)
    # the object-column path of numeric_frame checks too
    with pytest.raises(EngageSurveyError, match=msg):
        numeric_frame(X.assign(x2=X["x2"].astype(object)))


def test_empty_frame_is_an_error(hs):
    with pytest.raises(EngageSurveyError, match=r"items have no rows \(0 respondents\)"):
        reliability.alpha(hs[XS].iloc[:0])
    with pytest.raises(EngageSurveyError, match="no rows"):
        factor.efa(hs[XS].iloc[:0], 1)


def test_scale_must_be_a_min_max_pair(hs):
    X = hs[XS]
    for bad in (5, (1,), (1, 2, 3), ("a", 5), (5, 1), (1, np.nan)):
        with pytest.raises(EngageSurveyError, match=r"scale must be a \(min, max\) pair of numbers"):
            reliability.alpha(X, reverse=["x1"], scale=bad)
    with pytest.raises(EngageSurveyError, match=r"scale must be a \(min, max\) pair"):
        reliability.omega(X, reverse=["x1"], scale=5)
    out = reverse_array(X.to_numpy(float), XS, ["x1"], scale=(np.int64(0), 10))
    np.testing.assert_allclose(out[:, 0], 10 - X["x1"].to_numpy())


# ------------------------------------------------------------------ 5. invariance needs 2 groups
def test_invariance_with_one_group_is_an_error(hs):
    with pytest.raises(EngageSurveyError, match="invariance needs at least 2 groups, but group column 'school' "
                                                "has 1 distinct non-missing value"):
        es.invariance(M2, hs.assign(school="A"), group="school")
    with pytest.raises(EngageSurveyError, match="has 0 distinct non-missing value"):
        es.invariance(M2, hs.assign(school=np.nan), group="school")


# ------------------------------------------------------------------ 6. one definition of each helper
def test_helpers_are_shared():
    assert factor.smc is reliability._smc
    assert factor.cor_smooth is polychoric.cor_smooth
    R = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.9], [0.1, 0.9, 1.0]])  # not positive definite
    S, smoothed = factor.cor_smooth(R)
    assert smoothed and np.linalg.eigvalsh(S).min() > 0
