"""Review fixes: hypothesis-spec validation, excluded rows in the hypotheses summary, power input checks
and minimum sizes, the power CLI curve, degenerate ordinal fits, model input errors, and power.mc_ci
against R's prop.test / binom.test (tests/reference/power_ci.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference

from engagesurvey import hypotheses, models, power
from engagesurvey.errors import EngageSurveyError
from engagesurvey.models.did import callaway_santanna


@pytest.fixture(scope="module")
def df():
    rng = np.random.default_rng(1)
    n = 80
    return pd.DataFrame({"x": rng.normal(size=n), "m": rng.normal(size=n), "y": rng.normal(size=n),
                         "unit": np.repeat(np.arange(8), 10), "r": rng.integers(1, 4, size=n)})


def H(**h):
    return {"hypotheses": [{"id": "A", **h}]}


# ------------------------------------------------------------------------------------ hypotheses


@pytest.mark.parametrize(("spec", "match"), [
    (H(test="regression", x="x"), r"hypotheses\[0\] \(A\): test regression needs y"),
    (H(test="regression", y="y"), r"hypotheses\[0\] \(A\): test regression needs x"),
    (H(test="mediation", x="x", y="y"), r"hypotheses\[0\] \(A\): test mediation needs m"),
    (H(test="multilevel_mediation", x="x", m="m", y="y"), r"\(A\): test multilevel_mediation needs group"),
    (H(test="multilevel_mediation", x="x", m="m", y="y", group="unit", effect="across"),
     r"\(A\): effect must be within or between, got 'across'"),
    (H(test="r2_change", y="y", base=["x"]), r"\(A\): test r2_change needs add"),
    (H(test="regression", y="y", x=["x", "m"]), r"\(A\): x must be one column name"),
    (H(test="regression", y="y", x="x", covariates=[1]), r"\(A\): covariates must be column names, got 1"),
    ({"adjust": "nope", **H(test="regression", y="y", x="x")}, "adjust 'nope' is not one of holm"),
    ({"alpha": "a", **H(test="regression", y="y", x="x")}, r"alpha must be a number in \(0, 1\), got 'a'"),
    (H(test="mediation", x="x", m="m", y="y", n_boot="many"), r"\(A\): n_boot must be an integer >= 2"),
    ({"seed": "abc", **H(test="mediation", x="x", m="m", y="y")}, "seed must be a non-negative integer"),
])
def test_spec_errors_name_the_hypothesis(df, spec, match):
    with pytest.raises(EngageSurveyError, match=match):
        hypotheses.test(df, spec)


def test_scalar_list_keys_are_one_column(df):
    spec = hypotheses.load_spec(H(test="regression", y="y", x="x", covariates="m"))
    assert spec["hypotheses"][0]["covariates"] == ["m"]
    res = hypotheses.test(df, H(test="regression", y="y", x="x", covariates="m"))
    assert "m" in res.results["A"].coef.index
    base = hypotheses.test(df, H(test="r2_change", y="y", base="x", add="m"))
    assert base.table["x"].iloc[0] == "m"


def test_model_errors_name_the_hypothesis(df):
    with pytest.raises(EngageSurveyError, match=r"hypotheses\[0\] \(A\): .*not a numeric predictor"):
        hypotheses.test(df.assign(x=list("ab") * 40), H(test="ordinal", y="r", x="x"))


def test_summary_reports_n_and_excluded_rows_per_hypothesis(df):
    d = df.copy()
    d.loc[:4, "m"] = np.nan
    spec = {"hypotheses": [{"id": "A", "test": "regression", "y": "y", "x": "x"},
                           {"id": "B", "test": "regression", "y": "y", "x": "m"}]}
    rep = hypotheses.test(d, spec)
    t = rep.table.set_index("id")
    assert t.loc["A", "n"] == 80 and t.loc["A", "n_excluded"] == 0
    assert t.loc["B", "n"] == 75 and t.loc["B", "n_excluded"] == 5
    text = rep.summary()
    assert "(regression, n = 80)" in text
    assert "(regression, n = 75, 5 rows excluded for missing values)" in text


# ----------------------------------------------------------------------------------------- power


@pytest.mark.parametrize(("call", "match"), [
    (lambda: power.ordinal("abc", n=50, probabilities=[.5, .5]), "beta must be a number, got 'abc'"),
    (lambda: power.ordinal(float("nan"), n=50, probabilities=[.5, .5]), "beta must be a finite number"),
    (lambda: power.ordinal(float("inf"), n=50, probabilities=[.5, .5]), "beta must be a finite number"),
    (lambda: power.ordinal(0.3, n=50, thresholds="ab"), "thresholds must be a list of numbers"),
    (lambda: power.cluster_trial("x", 5, 10, 0.1), "d must be a number, got 'x'"),
    (lambda: power.cluster_trial(float("nan"), 5, 10, 0.1), "d must be a finite number"),
    (lambda: power.cluster_trial(0.3, 5, 10, "a"), "icc must be a number, got 'a'"),
    (lambda: power.mediation(0.3, 0.3, n_units=10, per_unit=5, icc="a"), "icc must be a number"),
    (lambda: power.mediation(0.3, 0.3, n=50, alpha="a"), "alpha must be a number"),
    (lambda: power.regression_path(0.3, n=50, n_predictors=2, r2_other="x"), "r2_other must be a number"),
    (lambda: power.mediation(0.3, 0.3, n=50, method="bootstrap", n_boot=0), "n_boot must be an integer >= 2"),
    (lambda: power.mediation(0.3, 0.3, n=50, method="montecarlo", n_boot=-1), "n_boot must be an integer >= 2"),
    (lambda: power.solve("mediation", a=0.3, b=0.3, bogus=1), "unknown argument\\(s\\) bogus"),
    (lambda: power.solve("mediation", b=0.3), "missing argument\\(s\\) a"),
    (lambda: power.mc_ci(5, 10, level=2), "level must be in \\(0, 1\\)"),
])
def test_power_input_errors(call, match):
    with pytest.raises(EngageSurveyError, match=match):
        call()


def test_string_numbers_are_accepted_as_numbers():
    a = power.mediation(0.3, 0.3, n=60, reps=50, seed=1, alpha="0.05")
    b = power.mediation(0.3, 0.3, n=60, reps=50, seed=1)
    assert a.power == b.power and a.alpha == 0.05


def test_ordinal_separating_replications_count_as_failures():
    with pytest.warns(UserWarning, match="did not converge"):
        res = power.ordinal(30.0, n=50, probabilities=[.5, .5], reps=20, seed=1)
    assert 0 <= res.power <= 1


def test_min_size():
    assert power.min_size("correlation", {"r": 0.9}) == 4
    assert power.min_size("mediation", {"a": 0.3, "b": 0.3}) == 5
    assert power.min_size("parallel_mediation", {"a": [0.3, 0.3], "b": [0.3, 0.3]}) == 6
    assert power.min_size("mediation", {"a": 0.3, "b": 0.3, "per_unit": 10}) == 3
    assert power.min_size("cluster_trial", {"d": 0.3, "baseline_r": 0.5}) == 3
    assert power.min_size("regression_path", {"beta": 0.3, "n_predictors": 3}) == 6


def _cli():
    import click

    from engagesurvey.power_cli import register

    @click.group()
    def main():
        pass

    register(main)
    return main


def test_power_cli_large_correlation_solves_and_draws_the_ci_band(tmp_path):
    from click.testing import CliRunner

    res = CliRunner().invoke(_cli(), ["power", "correlation", "--r", "0.9", "--reps", "100", "--out",
                                      str(tmp_path)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "power_correlation.csv")
    assert table["n"].min() >= 4
    svg = (tmp_path / "power_correlation.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "<polygon" in svg  # planning.curve_svg: the Monte Carlo CI band


def test_mc_ci_matches_r():
    R = load_reference("power_ci")
    for i, (h, n, lev) in enumerate(zip(R["hits"], R["reps"], R["level"])):
        lo, hi = power.mc_ci(int(h), int(n), level=lev)
        assert (lo, hi) == pytest.approx((R["wilson_lower"][i], R["wilson_upper"][i]), abs=1e-10)
        lo, hi = power.mc_ci(int(h), int(n), level=lev, method="exact")
        assert (lo, hi) == pytest.approx((R["exact_lower"][i], R["exact_upper"][i]), abs=1e-8)


# ---------------------------------------------------------------------------------------- models


def test_ordinal_complete_separation_is_an_error():
    d = pd.DataFrame({"r": [1] * 10 + [2] * 10 + [3] * 10, "x": np.arange(30.0)})
    with pytest.raises(EngageSurveyError, match="complete separation \\(predictor\\(s\\) 'x'\\)"):
        models.ordinal_logit(d, "r ~ x")


def test_ordinal_outcome_mixing_text_and_numbers(df):
    with pytest.raises(EngageSurveyError, match="outcome column 'r' mixes text and numbers"):
        models.ordinal_logit(df.assign(r=[1, "a"] * 40), "r ~ x")


@pytest.mark.parametrize(("call", "match"), [
    (lambda d: models.regression([1], "y ~ x", cluster="g"), "data must be a pandas DataFrame, got list"),
    (lambda d: models.mediation(d, "x", 5, "y", n_boot=100), "m must be a column name or a list"),
    (lambda d: models.mediation(d, "x", "m", "y", n_boot=100, ci="0.95"), "ci must be a level in \\(0, 1\\)"),
    (lambda d: models.regression(d, "y ~ x", ci="0.95"), "ci must be a level in \\(0, 1\\)"),
])
def test_model_input_errors(df, call, match):
    with pytest.raises(EngageSurveyError, match=match):
        call(df)


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(3)
    units, times = 40, 5
    g = np.repeat(np.where(np.arange(units) < 15, 0, np.where(np.arange(units) < 28, 3, 4)), times)
    t = np.tile(np.arange(1, times + 1), units)
    y = rng.normal(size=units * times) + 0.5 * ((g > 0) & (t >= g))
    return pd.DataFrame({"unit": np.repeat(np.arange(units), times), "time": t, "g": g, "y": y})


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_boot": 0}, "n_boot must be an integer >= 2, got 0"),
    ({"anticipation": -1}, "anticipation must be an integer >= 0, got -1"),
    ({"ci": 95}, "ci must be a level in \\(0, 1\\)"),
])
def test_callaway_santanna_input_errors(panel, kwargs, match):
    with pytest.raises(EngageSurveyError, match=match):
        callaway_santanna(panel, "y", "unit", "time", "g", **kwargs)
