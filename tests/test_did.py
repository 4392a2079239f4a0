"""Difference-in-differences: 2x2 and TWFE event study against R lm + a hand CR1 sandwich (did.R);
Callaway & Sant'Anna ATT(g,t) against base-R means, and its inference against simulations with known effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.models import did


@pytest.fixture(scope="module")
def panel():
    return load_dataset("did_panel")


@pytest.fixture(scope="module")
def ref():
    return load_reference("did")


def _two_by_two(panel):
    s = panel[panel.g.isin([0, 4])].copy()
    s["treated"] = (s.g == 4).astype(int)
    s["post"] = (s.time >= 4).astype(int)
    return s


def test_did_2x2_matches_lm_and_cr1(panel, ref):
    s = _two_by_two(panel)
    r = ref["did2"]
    classical = did.did_2x2(s, "y", "treated", "post")
    np.testing.assert_allclose(classical.table["est"], r["est"], atol=1e-8)
    np.testing.assert_allclose(classical.table["se"], r["se_classical"], atol=1e-8)
    np.testing.assert_allclose(classical.table["pvalue"], r["p_classical"], atol=1e-8)
    cl = did.did_2x2(s, "y", "treated", "post", cluster="unit")
    np.testing.assert_allclose(cl.table["se"], r["se_cr1"], atol=1e-8)
    np.testing.assert_allclose(cl.table["pvalue"], r["p_cr1"], atol=1e-8)
    assert cl.att == pytest.approx(r["est"][3], abs=1e-8)
    assert cl.ci[0] < cl.att < cl.ci[1]
    assert "CR1" in cl.summary()


def test_event_study_matches_lm_with_unit_and_time_factors(panel, ref):
    es = did.event_study(panel, "y", "unit", "time", "g", leads=3, lags=3)
    e = ref["event"]
    assert list(es.table.index) == e["rel"]
    np.testing.assert_allclose(es.table["est"], e["est"], atol=1e-8)
    np.testing.assert_allclose(es.table["se"], e["se"], atol=1e-8)
    svg = es.svg(lang="id")
    assert svg.startswith("<svg") and svg.count("<circle") == len(e["rel"]) + 1 and "periode relatif" in svg


def test_att_gt_matches_base_r_means(panel, ref):
    cs = did.callaway_santanna(panel, "y", "unit", "time", "g", n_boot=200, seed=1)
    got = cs.att_gt.set_index(["g", "t"])["att"]
    for cell in ref["att_gt"]:
        assert got.loc[(cell["g"], cell["t"])] == pytest.approx(cell["att"], abs=1e-10)


def simulate_panel(seed, *, n=240, T=7, groups=(3, 5, 0), effect=None):
    """Staggered panel with unit and time effects; effect(g, e) added from period g on."""
    rng = np.random.default_rng(seed)
    G = rng.choice(groups, size=n)
    Y = (rng.normal(size=n) + 0.3 * (G > 0))[:, None] + rng.normal(size=T)[None, :] * 0.5 \
        + rng.normal(size=(n, T))
    t = np.arange(1, T + 1)
    if effect is not None:
        e = t[None, :] - G[:, None]
        add = np.vectorize(effect)(np.broadcast_to(G[:, None], e.shape), e)
        Y = Y + np.where((G[:, None] > 0) & (e >= 0), add, 0.0)
    return pd.DataFrame({"unit": np.repeat(np.arange(n), T), "time": np.tile(t, n), "g": np.repeat(G, T),
                         "y": Y.ravel()}), G


def _true_simple(G, T, effect):
    """The simple aggregation's estimand: post cells weighted by group share."""
    num = den = 0.0
    for g in np.unique(G[G > 0]):
        p = np.mean(G == g)
        for t in range(int(g), T + 1):
            num += p * effect(g, t - g)
            den += p
    return num / den


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_cs_recovers_known_heterogeneous_effect(control):
    effect = lambda g, e: (1.0 if g == 3 else 0.3) * (1 + 0.5 * e)
    df, G = simulate_panel(11, effect=effect)
    cs = did.callaway_santanna(df, "y", "unit", "time", "g", control=control, n_boot=999, seed=3)
    truth = _true_simple(G, 7, effect)
    lo, hi = cs.overall["ci"]
    assert lo < truth < hi
    # the dynamic aggregation recovers each event time's weighted effect
    for e_time, row in cs.dynamic.loc[0:2].iterrows():
        gs = [g for g in (3, 5) if g + e_time <= 7]
        w = np.array([np.mean(G == g) for g in gs])
        true_e = float(np.dot(w, [effect(g, e_time) for g in gs]) / w.sum())
        assert row.ci_lower < true_e < row.ci_upper


def test_pretrend_test_is_null_at_nominal_rate():
    """No pre-trends: the Wald test rejects about 5% of the time (30 seeds; binomial 99.9% bound is 7)."""
    rejections, covered, cells = 0, 0, 0
    for seed in range(30):
        df, _ = simulate_panel(100 + seed, n=150, T=6, groups=(4, 5, 0), effect=lambda g, e: 0.4)
        cs = did.callaway_santanna(df, "y", "unit", "time", "g", n_boot=400, seed=seed)
        rejections += cs.pretrend["pvalue"] < 0.05
        pre = cs.att_gt[cs.att_gt.pre]
        covered += int(((pre.ci_lower < 0) & (pre.ci_upper > 0)).sum())
        cells += len(pre)
        assert cs.pretrend["df"] == len(pre)
    assert rejections <= 7
    assert covered / cells > 0.88


def test_pretrend_detects_a_violation():
    df, _ = simulate_panel(7, n=300, T=6, groups=(4, 5, 0))
    df["y"] = df["y"] + np.where(df.g > 0, 0.35 * df.time, 0.0)  # treated units trend upwards before
    cs = did.callaway_santanna(df, "y", "unit", "time", "g", n_boot=500, seed=1)
    assert cs.pretrend["pvalue"] < 0.001


def test_twfe_biased_where_cs_is_not():
    """Early adopters' growing effects contaminate TWFE's implicit comparisons (Goodman-Bacon 2021)."""
    effect = lambda g, e: (2.0 if g == 2 else 0.2) * (1 + e)
    df, G = simulate_panel(21, n=400, T=7, groups=(2, 5, 0), effect=effect)
    truth = _true_simple(G, 7, effect)
    twfe = did.twfe_static(df, "y", "unit", "time", "g")
    cs = did.callaway_santanna(df, "y", "unit", "time", "g", n_boot=500, seed=2)
    assert abs(twfe - truth) > 5 * cs.overall["se"]
    assert cs.overall["ci"][0] < truth < cs.overall["ci"][1]
    assert cs.svg().startswith("<svg")
    assert "Callaway" in cs.summary() and len(cs.to_frame()) == len(cs.att_gt)


def test_bootstrap_is_seeded():
    df, _ = simulate_panel(1, n=100, T=5, groups=(3, 0), effect=lambda g, e: 0.5)
    a = did.callaway_santanna(df, "y", "unit", "time", "g", n_boot=200, seed=9)
    b = did.callaway_santanna(df, "y", "unit", "time", "g", n_boot=200, seed=9)
    assert a.overall["se"] == b.overall["se"]


def test_did_errors(panel):
    s = _two_by_two(panel)
    with pytest.raises(EngageSurveyError, match="'nope'"):
        did.did_2x2(s, "y", "nope", "post")
    bad = s.assign(post=s.time)
    with pytest.raises(EngageSurveyError, match="'post' must be coded 0/1"):
        did.did_2x2(bad, "y", "treated", "post")
    with pytest.raises(EngageSurveyError, match="balanced panel"):
        did.callaway_santanna(panel.iloc[1:], "y", "unit", "time", "g")
    with pytest.raises(EngageSurveyError, match="control must be"):
        did.callaway_santanna(panel, "y", "unit", "time", "g", control="all")
    with pytest.raises(EngageSurveyError, match="appears twice"):
        did.event_study(pd.concat([panel, panel.iloc[:1]]), "y", "unit", "time", "g")
    with pytest.raises(EngageSurveyError, match="no never-treated"):
        did.callaway_santanna(panel[panel.g > 0], "y", "unit", "time", "g")
