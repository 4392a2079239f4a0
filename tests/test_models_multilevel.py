"""engagesurvey.models multilevel / decompose / multilevel_mediation against lme4
(tests/reference/models_multilevel.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.models.mlmed import multilevel_mediation
from engagesurvey.models.multilevel import decompose, multilevel


@pytest.fixture(scope="module")
def ref():
    return load_reference("models_multilevel")


@pytest.fixture(scope="module")
def d():
    return load_dataset("models_multilevel")


def check_fit(r, R):
    assert list(r.fixed.index) == ["Intercept", "x", "w"][: len(R["est"])]
    np.testing.assert_allclose(r.fixed["est"], R["est"], atol=1e-4)
    np.testing.assert_allclose(r.fixed["se"], R["se"], atol=1e-4)
    np.testing.assert_allclose(r.varcorr["vcov"], R["vcov"], rtol=1e-3)
    np.testing.assert_allclose(r.varcorr["sdcor"], R["sdcor"], rtol=1e-3, atol=1e-4)
    for k in ("loglik", "aic", "bic"):
        assert getattr(r, k) == pytest.approx(R[k], abs=1e-4)
    assert r.deviance == pytest.approx(R["deviance"], abs=1e-4)
    np.testing.assert_allclose(r.theta, R["theta"], atol=1e-4)


@pytest.mark.parametrize(("key", "kwargs"), [
    ("ri_reml", {}), ("ri_ml", {"reml": False}),
    ("rs_reml", {"random": "~ x"}), ("rs_ml", {"random": ["x"], "reml": False}),
])
def test_lmer(d, ref, key, kwargs):
    r = multilevel(d, "y ~ x + w", "group", **kwargs)
    R = ref[key]
    check_fit(r, R)
    assert r.n == ref["n"] and r.n_groups == 201
    assert r.variance["group"] == pytest.approx(R["vcov"][0], rel=1e-3)
    assert r.variance["residual"] == pytest.approx(R["vcov"][-1], rel=1e-3)
    if "random" in kwargs:
        assert r.variance["x"] == pytest.approx(R["vcov"][1], rel=1e-3)
        assert r.variance["cov(Intercept, x)"] == pytest.approx(R["vcov"][2], rel=2e-3)
    z = r.fixed["est"] / r.fixed["se"]
    np.testing.assert_allclose(r.fixed["z"], z)


def test_null_model_icc(d, ref):
    r = multilevel(d, "y ~ 1", "group")
    assert r.icc == pytest.approx(ref["null_icc"], rel=1e-3)
    assert list(r.fixed.index) == ["Intercept"]
    assert "REML" in r.summary()


def test_ranef_shape(d):
    r = multilevel(d, "y ~ x + w", "group", random="x")
    assert r.ranef.shape == (201, 2)
    # conditional modes average to about zero
    assert abs(r.ranef["Intercept"].mean()) < 0.05


@pytest.mark.parametrize(("random", "cols"), [(None, {"Intercept": "ri_intercept"}),
                                             ("x", {"Intercept": "rs_intercept", "x": "rs_x"})])
def test_ranef_matches_lme4(d, ref, random, cols):
    """Conditional modes against lme4::ranef (REML); iterative fit, so 1e-4."""
    r = multilevel(d, "y ~ x + w", "group", random=random)
    R = ref["ranef"]
    np.testing.assert_allclose(r.ranef.index.to_numpy(float), R["group"])
    for ours, theirs in cols.items():
        np.testing.assert_allclose(r.ranef[ours], R[theirs], atol=1e-4)


def test_decompose(d):
    out = decompose(d, ["x", "m"], "group")
    gm = d.groupby("group")["x"].transform("mean")
    np.testing.assert_allclose(out["x_between"], gm)
    np.testing.assert_allclose(out["x_within"] + out["x_between"], d["x"])
    np.testing.assert_allclose(out.groupby(d["group"])["m_within"].mean(), 0, atol=1e-12)


def test_multilevel_mediation(d, ref):
    R = ref["mlmed"]
    r = multilevel_mediation(d, "x", "m", "y", "group", n_mc=100000, seed=3)
    t = r.table.set_index("path")
    for k in ("a_within", "a_between", "b_within", "b_between", "c_within", "c_between"):
        assert t.loc[k, "est"] == pytest.approx(R[k], abs=1e-4)
    for k in ("a_within", "a_between", "b_within", "b_between"):
        assert t.loc[k, "se"] == pytest.approx(R[f"{k}_se"], abs=1e-4)
    assert r.within == pytest.approx(R["ind_within"], abs=1e-4)
    assert r.between == pytest.approx(R["ind_between"], abs=1e-4)
    # Monte Carlo CIs: both sides have >= 1e5 draws; allow a few MC standard errors
    np.testing.assert_allclose(r.within_ci, R["ci_within"], atol=0.03 * r.within_se)
    np.testing.assert_allclose(r.between_ci, R["ci_between"], atol=0.03 * r.between_se)
    assert "indirect_between" in r.summary()


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (("y ~ x + nope", "group"), {}, "unknown column 'nope'"),
    (("y ~ x", "nope"), {}, "unknown group column"),
    (("y ~ x", "one"), {}, "has 1 group"),
    (("y ~ x", "row"), {}, "number of groups"),
    (("y ~ x", "group"), {"random": "nope"}, "unknown random-slope column"),
    (("y ~ x", "group"), {"random": "K"}, "random-slope column 'K' is constant"),
    (("y ~ x + K", "group"), {}, "predictor 'K' is constant"),
])
def test_errors(d, args, kwargs, match):
    df = d.assign(one=1, row=np.arange(len(d)), K=1.0)
    with pytest.raises(EngageSurveyError, match=match):
        multilevel(df, *args, **kwargs)


def test_too_many_random_effects():
    df = pd.DataFrame({"g": np.repeat(np.arange(5), 2), "x": np.arange(10.0),
                       "y": np.r_[1.0, 3, 2, 5, 4, 6, 8, 7, 9, 9]})
    with pytest.raises(EngageSurveyError, match="number of random effects"):
        multilevel(df, "y ~ x", "g", random="x")


def test_mlmed_errors(d):
    with pytest.raises(EngageSurveyError, match="unknown column"):
        multilevel_mediation(d, "x", "nope", "y", "group")
    with pytest.raises(EngageSurveyError, match="n_mc"):
        multilevel_mediation(d, "x", "m", "y", "group", n_mc=5)
    df = d.assign(xw=d["x"] - d.groupby("group")["x"].transform("mean"))
    with pytest.raises(EngageSurveyError, match="same mean in every group"):
        multilevel_mediation(df, "xw", "m", "y", "group", n_mc=1000)


def test_lme4_syntax(d, ref):
    r = multilevel(d, "y ~ x + w + (1 + x | group)", "group")
    check_fit(r, ref["rs_reml"])
    r0 = multilevel(d, "y ~ x + w + (1 | group)", "group", reml=False)
    check_fit(r0, ref["ri_ml"])
    with pytest.raises(EngageSurveyError, match="is not 'group'"):
        multilevel(d, "y ~ x + (1 | unit)", "group")
    with pytest.raises(EngageSurveyError, match="not both"):
        multilevel(d, "y ~ x + (1 + x | group)", "group", random="x")
