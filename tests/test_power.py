"""Monte Carlo power: closed forms against base-R formulas (power_closed.R), simulations against the closed
forms within 3 Monte Carlo SEs, the design effect, published sample sizes, and the polr fit against clm."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey import power
from engagesurvey import power_closed as closed
from engagesurvey.errors import EngageSurveyError
from engagesurvey.power_ordinal import fit_polr


def mc_se(p, reps):
    return math.sqrt(p * (1 - p) / reps)


@pytest.fixture(scope="module")
def ref():
    return load_reference("power_closed")


# ------------------------------------------------------------------------------ closed forms vs R


def test_closed_forms_match_base_r(ref):
    for c in ref["fisher"]:
        assert closed.correlation_power(c["r"], c["n"]) == pytest.approx(c["power"], abs=1e-10)
    for c in ref["regression"]:
        assert closed.regression_power(c["f2"], c["n"], c["k"]) == pytest.approx(c["power"], abs=1e-8)
    for c in ref["twogroup"]:
        assert closed.two_group_power(c["d"], c["n"]) == pytest.approx(c["power"], abs=1e-8)
    for c in ref["cluster"]:
        got = closed.cluster_trial_power(c["d"], c["J"], c["m"], c["icc"], c["r"])
        assert got == pytest.approx(c["power"], abs=1e-8)


# ------------------------------------------------------------------------ simulation vs closed form


def test_correlation_simulation_agrees_with_fisher_z():
    reps = 4000
    for r, n in ((0.2, 150), (0.3, 60)):
        sim = power.correlation(r, n, reps=reps, seed=1)
        exact = closed.correlation_power(r, n)
        assert abs(sim.power - exact) < 3 * mc_se(exact, reps)
        assert sim.ci[0] < sim.power < sim.ci[1]


def test_regression_path_agrees_with_noncentral_f():
    reps = 4000
    sim = power.regression_path(0.2, 150, n_predictors=4, r2_other=0.2, reps=reps, seed=2)
    exact = closed.regression_power(0.04 / (1 - 0.24), 150, 4)
    assert abs(sim.power - exact) < 3 * mc_se(exact, reps)


def test_cluster_trial_agrees_with_noncentral_t_and_design_effect():
    reps = 4000
    sim = power.cluster_trial(0.3, 33, 10, 0.1, reps=reps, seed=3)
    exact = closed.cluster_trial_power(0.3, 33, 10, 0.1)
    assert abs(sim.power - exact) < 3 * mc_se(exact, reps)
    # design effect: clustered power at N equals unclustered power at N / (1 + (m - 1) ICC)
    deff = closed.design_effect(10, 0.1)
    assert deff == pytest.approx(1.9)
    flat = closed.two_group_power(0.3, 33 * 10 / deff)
    assert abs(sim.power - flat) < 3 * mc_se(flat, reps) + 0.01   # + df difference (64 vs 345)
    with_baseline = power.cluster_trial(0.3, 33, 10, 0.1, baseline_r=0.5, reps=reps, seed=3)
    approx = closed.cluster_trial_power(0.3, 33, 10, 0.1, 0.5)
    assert with_baseline.power > sim.power + 0.05
    assert abs(with_baseline.power - approx) < 3 * mc_se(approx, reps) + 0.01


def test_clustered_correlation_design_effect_for_level1_predictor():
    """A level-1 predictor with ICC rho_x: deff = 1 + (m - 1) rho_x rho_y (Scott & Holt 1982)."""
    reps = 3000
    sim = power.correlation(0.15, n_units=100, per_unit=10, icc=0.5, reps=reps, seed=4)
    n_eff = 1000 / closed.design_effect(10, 0.5, icc_x=0.5)
    exact = closed.correlation_power(0.15, n_eff)
    assert abs(sim.power - exact) < 3 * mc_se(exact, reps) + 0.01
    naive = power.correlation(0.15, n_units=100, per_unit=10, icc=0.5, analysis="ols", reps=reps, seed=4)
    assert naive.power > sim.power  # ignoring clustering overstates power


def test_within_mediation_equals_single_level_on_within_information():
    """Within-unit paths use the within variance only: power at G x m equals single-level power at N - G."""
    reps = 3000
    clustered = power.mediation(0.25, 0.25, n_units=30, per_unit=6, icc=0.3, reps=reps, seed=5)
    flat = power.mediation(0.25, 0.25, n=150, reps=reps, seed=6)
    assert clustered.analysis == "within"
    assert abs(clustered.power - flat.power) < 3 * math.sqrt(2) * mc_se(flat.power, reps) + 0.01


# ---------------------------------------------------------------------------- published figures


def test_fritz_mackinnon_joint_significance_sample_sizes():
    """Fritz & MacKinnon (2007, Psychological Science 18, 233-239), Table 3: empirical N for .8 power of the
    joint significance test with c' = 0, in their parameterisation (unit residual variances; our
    ``standardized=False``): a = b = .14 ("SS") needs 530 (also domain.md), a = b = .39 ("MM") 75.
    Our solve must land within 10%."""
    ss = power.solve("mediation", a=0.14, b=0.14, standardized=False, reps=1000, seed=11)
    assert abs(ss.n - 530) <= 53
    mm = power.solve("mediation", a=0.39, b=0.39, standardized=False, reps=1000, seed=12)
    assert abs(mm.n - 75) <= 7.5
    assert mm.curve["power"].is_monotonic_increasing or mm.curve["power"].diff().min() > -0.02


def test_domain_planning_figures():
    """domain.md: mediation a = .30, b = .25 needs about 150; the cluster rollout d = .30 about 33 units of 10
    per arm (ICC .10), d = .20 about 75."""
    med = power.solve("mediation", a=0.30, b=0.25, reps=1000, seed=13)
    assert abs(med.n - 150) <= 15 and med.target == 0.8
    d3 = power.solve("cluster_trial", d=0.30, per_unit=10, icc=0.10, reps=1000, seed=14)
    assert abs(d3.n_units - 33) <= 3.3
    d2 = power.solve("cluster_trial", d=0.20, per_unit=10, icc=0.10, reps=1000, seed=15)
    assert abs(d2.n_units - 75) <= 7.5


# ------------------------------------------------------------------------------ methods and API


def test_methods_agree_and_type_one_error():
    reps = 600
    joint = power.mediation(0.3, 0.25, n=150, reps=reps, seed=7)
    boot = power.mediation(0.3, 0.25, n=150, reps=reps, method="bootstrap", n_boot=499, seed=7)
    mc = power.mediation(0.3, 0.25, n=150, reps=reps, method="montecarlo", seed=7)
    assert abs(joint.power - mc.power) < 0.05
    assert -0.12 < boot.power - joint.power < 0.03   # the percentile bootstrap is slightly conservative
    null = power.mediation(0.0, 0.3, n=150, reps=2000, seed=8)
    assert null.power < 0.05 + 3 * mc_se(0.05, 2000)
    assert joint.powers["a"] > joint.power and joint.powers["b"] > joint.power
    assert abs(joint.mean_estimates["indirect"] - 0.075) < 0.01


def test_clustered_bootstrap_and_cluster_robust_run():
    within_boot = power.mediation(0.3, 0.3, n_units=20, per_unit=8, icc=0.1, method="bootstrap", n_boot=300,
                                  reps=100, seed=1)
    cr = power.mediation(0.3, 0.3, n_units=20, per_unit=8, icc=0.1, analysis="cluster_robust", reps=400, seed=1)
    between = power.mediation(0.3, 0.3, n_units=20, per_unit=8, icc=0.1, analysis="between", reps=400, seed=1)
    assert within_boot.power > 0.5 and cr.power > 0.5
    assert between.power < cr.power     # 20 unit means carry little information


def test_parallel_mediation_with_one_mediator_equals_mediation():
    one = power.parallel_mediation([0.3], [0.25], n=120, reps=500, seed=9)
    med = power.mediation(0.3, 0.25, n=120, reps=500, seed=9)
    assert one.powers["m1"] == med.power
    two = power.parallel_mediation([0.3, 0.2], [0.25, 0.3], n=200, reps=500, method="montecarlo", seed=9)
    assert set(two.powers) == {"m1", "m2", "total", "all", "any"}
    assert two.power == two.powers["total"] >= two.powers["all"]


def test_ordinal_fit_matches_clm_and_power_runs():
    data = load_dataset("power_ordinal")
    ref = load_reference("power_ordinal")
    y = data["y"].to_numpy()[None, :] - 1
    for key, cols in (("single", ["x"]), ("mundlak", ["xw", "xm"])):
        X = data[cols].to_numpy(float)[None]
        theta, beta, vc, ll, ok = fit_polr(y, X, 5)
        assert ok[0]
        np.testing.assert_allclose(theta[0], ref[key]["theta"], atol=1e-6)
        np.testing.assert_allclose(beta[0], np.atleast_1d(ref[key]["beta"]), atol=1e-6)
        np.testing.assert_allclose(np.sqrt(np.diag(vc[0])), ref[key]["se"], atol=1e-5)
        assert ll[0] == pytest.approx(ref[key]["loglik"], abs=1e-6)
    res = power.ordinal(0.4, 200, probabilities=[0.05, 0.1, 0.2, 0.45, 0.2], reps=300, seed=1)
    assert 0.5 < res.power < 0.95 and abs(res.mean_estimates["beta"] - 0.4) < 0.05
    forced = power.ordinal(0.4, n_units=20, per_unit=10, icc=0.1, probabilities=[0.05, 0.1, 0.2, 0.45, 0.2],
                           forced_distribution=True, reps=200, seed=1)
    assert 0.3 < forced.power < 0.95


def test_seeded_reproducible_progress_and_frame():
    calls = []
    a = power.mediation(0.2, 0.2, n=100, reps=120, seed=3, progress=lambda d, t: calls.append((d, t)))
    b = power.mediation(0.2, 0.2, n=100, reps=120, seed=3)
    assert a.power == b.power and calls[-1] == (120, 120) and len(calls) > 1
    frame = a.to_frame()
    assert list(frame["effect"]) == ["indirect", "a", "b"]
    assert "Monte Carlo power" in a.summary()
    lo, hi = power.mc_ci(80, 100, method="exact")
    assert lo < 0.8 < hi


def test_solve_common_random_numbers_and_clustered_units():
    res = power.solve("mediation", a=0.3, b=0.3, per_unit=10, icc=0.1, reps=400, seed=1)
    assert isinstance(res.n_units, float) and res.n == res.n_units * 10
    again = power.solve("mediation", a=0.3, b=0.3, per_unit=10, icc=0.1, reps=400, seed=1)
    assert again.n_units == res.n_units
    assert isinstance(res.curve, pd.DataFrame) and "n_units" in res.curve


def test_errors():
    with pytest.raises(EngageSurveyError, match="icc = 0.1 needs a clustered design"):
        power.mediation(0.3, 0.3, n=100, icc=0.1)
    with pytest.raises(EngageSurveyError, match="a must be a standardised effect"):
        power.mediation(1.3, 0.3, n=100)
    with pytest.raises(EngageSurveyError, match="explain"):
        power.mediation(0.9, 0.9, n=100, c=0.5)
    with pytest.raises(EngageSurveyError, match="unknown kind 'anova'"):
        power.solve("anova", d=0.3)
    with pytest.raises(EngageSurveyError, match="do not pass n"):
        power.solve("mediation", a=0.3, b=0.3, n=100)
    with pytest.raises(EngageSurveyError, match="not a multiple of per_unit"):
        power.mediation(0.3, 0.3, n=105, per_unit=10, icc=0.1)
    with pytest.raises(EngageSurveyError, match="method must be"):
        power.mediation(0.3, 0.3, n=100, method="sobel")
    with pytest.raises(EngageSurveyError, match="exactly one of thresholds or probabilities"):
        power.ordinal(0.3, 100)
    with pytest.raises(EngageSurveyError, match="forced_distribution=True needs units"):
        power.ordinal(0.3, 100, probabilities=[0.5, 0.5], forced_distribution=True)
    with pytest.raises(EngageSurveyError, match="sums several paths"):
        power.parallel_mediation([0.3, 0.3], [0.3, 0.3], n=100, effect="total")
    with pytest.raises(EngageSurveyError, match="too small for a feasible design"):
        power.solve("correlation", r=0.001, reps=50, seed=1, max_size=2000)


def test_power_cli_writes_curve_and_table(tmp_path):
    import click
    from click.testing import CliRunner

    from engagesurvey.power_cli import register

    @click.group()
    def main():
        pass

    register(main)
    res = CliRunner().invoke(main, ["power", "mediation", "--a", ".3", "--b", ".25", "--reps", "300",
                                    "--out", str(tmp_path), "--lang", "id"])
    assert res.exit_code == 0, res.output
    assert "daya uji" in res.output
    table = pd.read_csv(tmp_path / "power_mediation.csv")
    assert list(table.columns) == ["n", "power", "ci_lower", "ci_upper"] and table["power"].iloc[-1] > 0.8
    svg = (tmp_path / "power_mediation.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "<polyline" in svg
    bad = CliRunner().invoke(main, ["power", "cluster-trial", "--d", ".3", "--per-unit", "10", "--icc", "1.5",
                                    "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "icc must be in [0, 1)" in bad.output
