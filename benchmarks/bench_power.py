"""Benchmark: Monte Carlo power of clustered mediation (50 units x 10 employees, ICC .10), 1,000 replications
with a 1,000-draw cluster percentile bootstrap each, vectorised vs a naive loop.

Vectorised: ``engagesurvey.power.mediation(method="bootstrap", analysis="within")`` (batched moments,
bootstrap counts x per-unit moment sums as one batched matrix product).
Naive baseline (same process): per replication, statsmodels OLS fits of the two within-unit equations,
then a Python loop over the 1,000 bootstrap draws, each resampling units and refitting both equations
with statsmodels OLS. The naive loop is run on a subset of replications (``--naive-reps``, default 3) and
EXTRAPOLATED linearly to 1,000 replications; the printed ratio says so. Target: >= 20x.

    python benchmarks/bench_power.py [--reps 1000] [--boot 1000] [--naive-reps 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engagesurvey import power
from engagesurvey.power_sim import Design, generate


def naive(reps, n_boot, n_units=50, per_unit=10, icc=0.1, a=0.15, b=0.15, seed=1):
    import statsmodels.api as sm

    B = np.zeros((3, 3))
    B[1, 0], B[2, 1] = a, b
    design = Design(["x", "m", "y"], B, [], {})
    rng = np.random.default_rng(seed)
    hits = 0
    root = np.random.SeedSequence(seed)
    for r in range(reps):
        V = generate(design, 1, n_units, per_unit, icc, root, r)[0].reshape(n_units, per_unit, 3)
        W = V - V.mean(axis=1, keepdims=True)

        def fit(units, W=W):
            D = W[units].reshape(-1, 3)
            fa = sm.OLS(D[:, 1], D[:, [0]]).fit()
            fb = sm.OLS(D[:, 2], D[:, [0, 1]]).fit()
            return fa.params[0] * fb.params[1]

        fit(np.arange(n_units))
        draws = np.array([fit(rng.integers(0, n_units, n_units)) for _ in range(n_boot)])
        lo, hi = np.quantile(draws, [0.025, 0.975])
        hits += (lo > 0) or (hi < 0)
    return hits / reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--naive-reps", type=int, default=3)
    args = ap.parse_args()

    t0 = time.perf_counter()
    res = power.mediation(0.15, 0.15, n_units=50, per_unit=10, icc=0.1, method="bootstrap", analysis="within",
                          reps=args.reps, n_boot=args.boot, seed=1)
    fast = time.perf_counter() - t0
    print(f"vectorised: {args.reps} reps x {args.boot} cluster-bootstrap draws (50 units x 10): {fast:.2f} s, "
          f"power = {res.power:.3f}")

    t0 = time.perf_counter()
    naive(args.naive_reps, args.boot)
    slow_sub = time.perf_counter() - t0
    slow = slow_sub / args.naive_reps * args.reps
    print(f"naive statsmodels loop: {args.naive_reps} reps took {slow_sub:.2f} s -> EXTRAPOLATED to {args.reps} "
          f"reps: {slow:.1f} s")
    print(f"speed-up (vectorised vs extrapolated naive): {slow / fast:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
