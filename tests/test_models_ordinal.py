"""engagesurvey.models.ordinal_logit against ordinal::clm / nominal_test / MASS::polr
(tests/reference/models_ordinal.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.models.ordinal import ordinal_logit


@pytest.fixture(scope="module")
def ref():
    return load_reference("models_ordinal")


@pytest.fixture(scope="module")
def d():
    return load_dataset("models_bfi_scales")


def test_clm(d, ref):
    r = ordinal_logit(d, "education ~ A + N + gender")
    assert r.n == ref["n"]
    assert list(r.coef.index) == ["A", "N", "gender"]
    assert list(r.thresholds.index) == ["1|2", "2|3", "3|4", "4|5"]
    np.testing.assert_allclose(r.coef["est"], ref["beta"], atol=1e-6)
    np.testing.assert_allclose(r.coef["se"], ref["beta_se"], atol=1e-6)
    np.testing.assert_allclose(r.thresholds["est"], ref["theta"], atol=1e-6)
    np.testing.assert_allclose(r.thresholds["se"], ref["theta_se"], atol=1e-6)
    assert r.loglik == pytest.approx(ref["loglik"], abs=1e-6)
    assert r.aic == pytest.approx(ref["aic"], abs=1e-6)
    assert r.bic == pytest.approx(ref["bic"], abs=1e-6)
    np.testing.assert_allclose(r.coef["odds_ratio"], np.exp(ref["beta"]), rtol=1e-6)
    lo = np.exp(np.array(ref["beta"]) - 1.959963984540054 * np.array(ref["beta_se"]))
    np.testing.assert_allclose(r.coef["or_ci_lower"], lo, rtol=1e-6)


def test_polr_agrees_within_its_tolerance(d, ref):
    r = ordinal_logit(d, y="education", x=["A", "N", "gender"])
    np.testing.assert_allclose(r.coef["est"], ref["polr_beta"], atol=2e-3)
    np.testing.assert_allclose(r.thresholds["est"], ref["polr_zeta"], atol=5e-3)
    assert r.loglik == pytest.approx(ref["polr_loglik"], abs=1e-3)


def test_nominal_test(d, ref):
    r = ordinal_logit(d, "education ~ A + N + gender")
    po = r.proportional_odds
    nt = ref["nominal"]
    assert list(po.index) == nt["terms"]
    np.testing.assert_array_equal(po["df"], nt["df"])
    np.testing.assert_allclose(po["loglik"], nt["loglik"], atol=1e-4)
    np.testing.assert_allclose(po["lrt"], nt["lrt"], atol=1e-4)
    np.testing.assert_allclose(po["pvalue"], nt["p"], rtol=1e-3)
    assert "nominal effects" in r.summary()


def test_unit_fixed_effects(ref):
    s = load_dataset("models_multilevel")
    fe = ref["fe"]
    r = ordinal_logit(s, "rating ~ x + m", fixed_effects="unit", po_test=False)
    assert r.n == fe["n"] and r.n_units == 41
    assert list(r.coef.index) == ["x", "m"]
    np.testing.assert_allclose(r.coef["est"], fe["beta"], atol=1e-5)
    np.testing.assert_allclose(r.coef["se"], fe["beta_se"], atol=1e-5)
    np.testing.assert_allclose(r.thresholds["est"], fe["theta"], atol=1e-5)
    assert r.loglik == pytest.approx(fe["loglik"], abs=1e-5)
    assert r.bic == pytest.approx(fe["bic"], abs=1e-4)


def test_categorical_outcome_order():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    lab = np.array(["low", "mid", "high"])[np.clip(np.round(x + rng.normal(size=300)) + 1, 0, 2).astype(int)]
    df = pd.DataFrame({"r": pd.Categorical(lab, categories=["low", "mid", "high"], ordered=True), "x": x})
    r = ordinal_logit(df, "r ~ x")
    assert r.categories == ["low", "mid", "high"]
    assert r.coef.loc["x", "est"] > 0
    # the same fit from integer codes
    r2 = ordinal_logit(df.assign(r=df["r"].cat.codes), "r ~ x")
    assert r2.coef.loc["x", "est"] == pytest.approx(r.coef.loc["x", "est"], abs=1e-10)


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (("education ~ nope",), {}, "unknown column 'nope'"),
    (("nope ~ A",), {}, "unknown outcome column"),
    (("education ~ A",), {"fixed_effects": "nope"}, "unknown fixed-effects column"),
    (("education ~ A",), {"fixed_effects": "one"}, "has 1 unit"),
    (("one ~ A",), {}, "has 1 category"),
    (("education ~ 1",), {}, "no predictors"),
    ((), {}, "give a formula"),
])
def test_errors(d, args, kwargs, match):
    df = d.assign(one=1)
    with pytest.raises(EngageSurveyError, match=match):
        ordinal_logit(df, *args, **kwargs)
