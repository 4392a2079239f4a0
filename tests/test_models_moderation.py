"""engagesurvey.models.moderation / process against R (tests/reference/models_moderation.R)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.models.moderation import moderation, process


@pytest.fixture(scope="module")
def ref():
    return load_reference("models_moderation")


@pytest.fixture(scope="module")
def d():
    return load_dataset("models_bfi_scales")


def test_moderation_matches_lm(d, ref):
    r = moderation(d, "A", "N", "E")
    assert r.n == ref["n"]
    assert list(r.coef.index) == ["Intercept", "A", "N", "A:N"]
    np.testing.assert_allclose(r.coef["est"], ref["coef"], atol=1e-10)
    np.testing.assert_allclose(r.coef["se"], ref["se"], atol=1e-10)
    assert r.interaction == pytest.approx(ref["coef"][3], abs=1e-10)
    assert r.r2 == pytest.approx(ref["r2"], abs=1e-10)
    assert r.r2_change == pytest.approx(ref["r2_change"], abs=1e-10)
    s = r.simple_slopes
    assert list(s.index) == ["-1 SD", "mean", "+1 SD"]
    np.testing.assert_allclose(s["w"], ref["w_values"], atol=1e-10)
    np.testing.assert_allclose(s["effect"], ref["slope"], atol=1e-10)
    np.testing.assert_allclose(s["se"], ref["slope_se"], atol=1e-10)
    np.testing.assert_allclose(s["pvalue"], ref["slope_p"], rtol=1e-6)
    np.testing.assert_allclose(s["ci_lower"], ref["slope_lower"], atol=1e-9)
    np.testing.assert_allclose(s["ci_upper"], ref["slope_upper"], atol=1e-9)
    np.testing.assert_allclose(r.jn, ref["jn"], rtol=1e-8)
    assert r.jn_in_range == (False, False)  # both points lie outside N's 1..6 range
    assert "Johnson-Neyman" in r.summary()


def test_uncentered(d, ref):
    r = moderation(d, "A", "N", "E", center=False)
    np.testing.assert_allclose(r.coef["est"], ref["uncentered_coef"], atol=1e-10)
    rc = moderation(d, "A", "N", "E")
    np.testing.assert_allclose(r.simple_slopes["effect"], rc.simple_slopes["effect"], atol=1e-10)
    np.testing.assert_allclose(r.jn, rc.jn, rtol=1e-8)


def test_process_model_1_and_4(d, ref):
    p1 = process(d, 1, "A", "E", w="N")
    np.testing.assert_allclose(p1.conditional["effect"], ref["slope"], atol=1e-10)
    p4 = process(d, 4, "A", "E", m="C", n_boot=200, seed=1)
    assert p4.detail.indirect == pytest.approx(ref["m7"]["b"] * 0.271180234238964, rel=1e-6)


@pytest.mark.parametrize("model", [7, 14])
def test_process_point_estimates(d, ref, model):
    R = ref[f"m{model}"]
    p = process(d, model, "A", "E", m="C", w="N", n_boot=300, seed=2)
    assert p.index == pytest.approx(R["index"], abs=1e-10)
    np.testing.assert_allclose(p.conditional["effect"], R["cond"], atol=1e-10)
    t = p.table
    if model == 7:
        assert t.loc[("C", "A:N"), "est"] == pytest.approx(R["a3"], abs=1e-10)
        assert t.loc[("E", "C"), "est"] == pytest.approx(R["b"], abs=1e-10)
        assert t.loc[("E", "A"), "est"] == pytest.approx(R["c_prime"], abs=1e-10)
    else:
        assert t.loc[("C", "A"), "est"] == pytest.approx(R["a"], abs=1e-10)
        assert t.loc[("E", "C:N"), "est"] == pytest.approx(R["b3"], abs=1e-10)
        assert t.loc[("E", "C"), "est"] == pytest.approx(R["b1"], abs=1e-10)
    assert "Index of moderated mediation" in p.summary()


@pytest.mark.parametrize("model", [7, 14])
def test_process_bootstrap_within_mc_error_of_lavaan(d, ref, model):
    lav = ref["lavaan"]
    p = process(d, model, "A", "E", m="C", w="N", n_boot=5000, seed=21)
    for ours_se, ours_ci, key in ((p.index_se, p.index_ci, "index"),
                                  (p.conditional.loc["-1 SD", "se"],
                                   tuple(p.conditional.loc["-1 SD", ["ci_lower", "ci_upper"]]), "lo"),
                                  (p.conditional.loc["+1 SD", "se"],
                                   tuple(p.conditional.loc["+1 SD", ["ci_lower", "ci_upper"]]), "hi")):
        se, lo, hi = lav[f"m{model}_{key}"]
        assert ours_se == pytest.approx(se, rel=0.08)
        np.testing.assert_allclose(ours_ci, (lo, hi), atol=0.3 * se)


def test_process_center_invariance(d):
    a = process(d, 14, "A", "E", m="C", w="N", n_boot=100, seed=4)
    b = process(d, 14, "A", "E", m="C", w="N", n_boot=100, seed=4, center=False)
    assert a.index == pytest.approx(b.index, abs=1e-10)
    np.testing.assert_allclose(a.conditional["effect"], b.conditional["effect"], atol=1e-10)
    np.testing.assert_allclose(a.draws["index"], b.draws["index"], atol=1e-10)


@pytest.mark.parametrize(("call", "match"), [
    (lambda d: moderation(d, "A", "nope", "E"), "unknown column: 'nope'"),
    (lambda d: moderation(d, "A", "A", "E"), "two roles"),
    (lambda d: moderation(d, "A", "K", "E"), "column 'K' is constant"),
    (lambda d: process(d, 5, "A", "E", m="C", w="N"), "model must be 1, 4, 7 or 14"),
    (lambda d: process(d, 7, "A", "E", m="C"), "needs a mediator m and a moderator w"),
    (lambda d: process(d, 1, "A", "E"), "needs a moderator"),
    (lambda d: process(d, 4, "A", "E"), "needs a mediator"),
    (lambda d: process(d, 7, "A", "E", m="C", w="N", ci_method="montecarlo"), "ci_method"),
    (lambda d: process(d, 14, "A", "E", m="C", w="N", n_boot=0), "n_boot"),
])
def test_errors(d, call, match):
    with pytest.raises(EngageSurveyError, match=match):
        call(d.assign(K=3.0))
