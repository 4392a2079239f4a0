"""The demo survey recovers its population: each hypothesis' population value (the same estimator on
a very large draw of the same model) lies inside the 95% CI on the default seed, and the simulation's
known null effects are significant no more often than the nominal rate over repeated seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import engagesurvey as es
from engagesurvey import hypotheses
from engagesurvey.simulate import DEMO_INSTRUMENTS, simulate

INST = es.combine_instruments(DEMO_INSTRUMENTS)


def _frame(survey):
    return hypotheses.analysis_frame(es.score(survey.data, INST, careless=False))


def _z(s):
    return (s - s.mean()) / s.std()


def _beta(frame, y, xs):
    z = frame[[y, *xs]].dropna().apply(_z)
    X = np.column_stack([np.ones(len(z)), z[xs].to_numpy()])
    return np.linalg.lstsq(X, z[y].to_numpy(), rcond=None)[0][1:]


@pytest.fixture(scope="module")
def population():
    """Population values of the default spec's estimands, from 150,000 simulated employees."""
    f = _frame(simulate(12, 7500, 150_000, seed=99, labels=False))
    a = _beta(f, "we", ["cid"])[0]
    b = _beta(f, "perf_task", ["we", "cid"])[0]
    g = f[["cid", "we", "perf_task", "unit"]].dropna()
    w = g[["cid", "we", "perf_task"]].apply(_z)
    w = w - w.groupby(g["unit"]).transform("mean")  # within-unit (group-mean centred) paths
    aw = np.polyfit(w.cid, w.we, 1)[0]
    X = np.column_stack([np.ones(len(w)), w.we, w.cid])
    bw = np.linalg.lstsq(X, w.perf_task.to_numpy(), rcond=None)[0][1]
    return {
        "H1": a, "H2a": _beta(f, "perf_task", ["we"])[0], "H2b": _beta(f, "perf_contextual", ["we"])[0],
        "H2c": _beta(f, "perf_counterproductive", ["we"])[0], "H3": _beta(f, "perf_task", ["cid"])[0],
        "H4": a * b, "H4w": aw * bw, "H6": _beta(f, "we", ["support", "feedback", "cid"])[2],
    }


def test_default_seed_covers_population_values(population):
    survey = simulate(seed=2026, labels=False)
    table = hypotheses.test(_frame(survey), n_boot=2000).table.set_index("id")
    for hid, truth in population.items():
        lo, hi = table.loc[hid, "ci_lower"], table.loc[hid, "ci_upper"]
        assert lo <= truth <= hi, f"{hid}: population value {truth:.4f} outside [{lo:.4f}, {hi:.4f}]"


def test_known_null_effects_hold_the_nominal_rate():
    """Tenure and gender have no effect on engagement or task performance in the simulation; over 40
    seeds each is significant at .05 no more often than a binomial upper bound (p = .001) allows.
    (Coaching's direct effect on counterproductive behaviour is null on the latent scale only: with
    engagement measured with error it is not null for observed scores, so it is not tested here.)"""
    reps, hits = 40, {"tenure": 0, "gender": 0, "tenure_task": 0}
    for seed in range(reps):
        f = _frame(simulate(6, 60, 600, seed=1000 + seed, labels=False))
        f = f.assign(female=(f["gender"] == "Perempuan").astype(float))
        r = es.models.regression(f, "we ~ tenure_years + female").coef
        hits["tenure"] += r.loc["tenure_years", "pvalue"] < 0.05
        hits["gender"] += r.loc["female", "pvalue"] < 0.05
        r = es.models.regression(f, "perf_task ~ tenure_years").coef
        hits["tenure_task"] += r.loc["tenure_years", "pvalue"] < 0.05
    limit = stats.binom.ppf(0.999, reps, 0.05)
    for name, k in hits.items():
        assert k <= limit, f"{name}: {k} of {reps} significant (limit {limit:.0f})"


def test_default_seed_covers_the_ordinal_rating_effect():
    """H5 (proportional-odds logit with unit fixed effects) is not consistent as units grow at a fixed
    size (incidental parameters), so its population value is the mean estimate over independent
    surveys of the default design (6 seeds); the default seed's 95% CI must cover it."""
    spec = {"hypotheses": [h for h in hypotheses.load_spec()["hypotheses"] if h["id"] == "H5"]}
    estimates = [hypotheses.test(_frame(simulate(seed=s, labels=False)), spec).table["estimate"].iloc[0]
                 for s in range(101, 107)]
    truth = float(np.mean(estimates))
    row = hypotheses.test(_frame(simulate(seed=2026, labels=False)), spec).table.iloc[0]
    assert row["ci_lower"] <= truth <= row["ci_upper"], (truth, row["ci_lower"], row["ci_upper"])
