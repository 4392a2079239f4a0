"""engagesurvey.models.regression / r2_change against R (tests/reference/models_regression.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.models.regression import r2_change, regression


@pytest.fixture(scope="module")
def ref():
    return load_reference("models_regression")


@pytest.fixture(scope="module")
def d():
    sc = load_dataset("models_bfi_scales")
    sc = sc.dropna(subset=["E", "A", "C", "N", "age", "education"])
    return sc.assign(education=sc["education"].astype(int))


def test_classical_matches_lm(d, ref):
    r = regression(d, "E ~ A + C + N + age")
    assert r.n == ref["n"]
    assert list(r.coef.index) == ["Intercept", "A", "C", "N", "age"]
    tab = r.coef
    np.testing.assert_allclose(tab["est"], ref["coef"], atol=1e-10)
    np.testing.assert_allclose(tab["se"], ref["se"], atol=1e-10)
    np.testing.assert_allclose(tab["t"], ref["t"], rtol=1e-8)
    np.testing.assert_allclose(tab["pvalue"], ref["p"], rtol=1e-6)
    np.testing.assert_allclose(tab["ci_lower"], ref["ci_lower"], atol=1e-9)
    np.testing.assert_allclose(tab["ci_upper"], ref["ci_upper"], atol=1e-9)
    np.testing.assert_allclose(tab["std_est"].iloc[1:], ref["std"], atol=1e-10)
    np.testing.assert_allclose(tab["vif"].iloc[1:], ref["vif"], atol=1e-8)
    for k in ("r2", "adj_r2", "sigma"):
        assert getattr(r, k) == pytest.approx(ref[k], abs=1e-10)
    assert r.f == pytest.approx(ref["fstat"], rel=1e-9)
    for k in ("loglik", "aic", "bic"):
        assert getattr(r, k) == pytest.approx(ref[k], abs=1e-7)


def test_hc3_matches_matrix_algebra(d, ref):
    r = regression(d, "E ~ A + C + N + age", robust="HC3")
    np.testing.assert_allclose(r.coef["se"], ref["hc3_se"], atol=1e-10)
    assert r.robust == "HC3"


def test_cluster_robust_matches_r_and_statsmodels(d, ref):
    r = regression(d, "E ~ A + C + N + age", cluster="education")
    np.testing.assert_allclose(r.coef["se"], ref["cluster_se"], atol=1e-10)
    assert r.n_clusters == ref["n_clusters"]
    import statsmodels.formula.api as smf

    sm = smf.ols("E ~ A + C + N + age", d).fit(cov_type="cluster", cov_kwds={"groups": d["education"]})
    np.testing.assert_allclose(r.coef["se"], sm.bse.to_numpy(), atol=1e-10)


def test_factor_terms(d, ref):
    r = regression(d, "E ~ A + C(education)")
    fm = ref["factor_model"]
    # R: (Intercept) A factor(education)2..5 ; patsy puts the categorical term first
    mapping = {"(Intercept)": "Intercept", "A": "A"}
    mapping.update({f"factor(education){k}": f"C(education)[T.{k}]" for k in (2, 3, 4, 5)})
    ours = r.coef.loc[[mapping[t] for t in fm["terms"]]]
    np.testing.assert_allclose(ours["est"], fm["coef"], atol=1e-10)
    np.testing.assert_allclose(ours["se"], fm["se"], atol=1e-10)


def test_r2_change_matches_anova(d, ref):
    res = r2_change(d, ["E ~ age + N", "E ~ age + N + A + C"])
    ch = ref["change"]
    t = res.table
    assert t.loc[1, "r2"] == pytest.approx(ch["r2_1"], abs=1e-10)
    assert t.loc[2, "r2"] == pytest.approx(ch["r2_2"], abs=1e-10)
    assert t.loc[2, "delta_r2"] == pytest.approx(ch["r2_2"] - ch["r2_1"], abs=1e-10)
    assert t.loc[2, "f"] == pytest.approx(ch["F"], rel=1e-9)
    assert t.loc[2, "df1"] == ch["df1"] and t.loc[2, "df2"] == ch["df2"]
    assert t.loc[2, "pvalue"] == pytest.approx(ch["p"], rel=1e-6)
    assert "step 2" in res.summary()


def test_r2_change_uses_common_rows():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7, 6, 8], "a": [1.0, 3, 2, 4, 6, 5, 8, 7],
                       "b": [np.nan, 1.0, 0, 1, 0, 2, 1, 3]})
    res = r2_change(df, ["y ~ a", "y ~ a + b"])
    assert res.n == 7


def test_summary_text(d):
    s = regression(d, "E ~ A + C", robust="HC3").summary()
    assert "Multiple R-squared" in s and "HC3" in s


@pytest.mark.parametrize(
    ("formula", "kwargs", "match"),
    [
        ("E ~ A + nope", {}, "unknown column 'nope'"),
        ("E A", {}, "formula must be"),
        ("E ~ A + K", {}, "predictor 'K' is constant"),
        ("E ~ A + A2", {}, "collinear"),
        ("txt ~ A", {}, "outcome column 'txt' is not numeric"),
        ("E ~ A", {"robust": "HC1"}, "robust must be"),
        ("E ~ A", {"cluster": "nope"}, "unknown cluster column"),
        ("E ~ A", {"cluster": "one"}, "has 1 cluster"),
    ],
)
def test_errors(d, formula, kwargs, match):
    df = d.assign(K=1.0, A2=2 * d["A"], txt="a", one=1)
    with pytest.raises(EngageSurveyError, match=match):
        regression(df, formula, **kwargs)


def test_too_few_rows(d):
    with pytest.raises(EngageSurveyError, match="too few complete rows"):
        regression(d.head(3), "E ~ A + C + N")


def test_r2_change_errors(d):
    with pytest.raises(EngageSurveyError, match="at least two"):
        r2_change(d, ["E ~ A"])
    with pytest.raises(EngageSurveyError, match="not nested"):
        r2_change(d, ["E ~ A + N", "E ~ A + C"])
    with pytest.raises(EngageSurveyError, match="different outcomes"):
        r2_change(d, ["E ~ A", "C ~ A + N"])
