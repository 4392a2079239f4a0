"""Benchmark: engagesurvey.models against pyprocessmacro, pingouin, statsmodels and lme4.

Run from the repo root: ``python benchmarks/bench_models.py``.

1. Simple mediation A -> C -> E on the bfi scale means (tests/reference/data/models_bfi_scales.csv,
   n = 2563 complete rows), 5000 percentile bootstrap draws. Baselines in this process:
   ``pyprocessmacro.Process(model=4)`` and ``pingouin.mediation_analysis`` (``pip install pyprocessmacro
   pingouin``; if an import or run fails, the stored figure is used and the output says so).
   Stored: pyprocessmacro 0.83 s, pingouin 3.0 s. Targets: >= 5x and >= 15x faster.
2. Random-intercept model y ~ x + w + (1 | group) on tests/reference/data/models_multilevel.csv
   (2500 rows, 201 clusters), REML. Baselines: statsmodels MixedLM in this process (stored 0.31 s) and
   lme4::lmer (stored 27 ms; not run live).
Times are the best of several repeats (wall clock; the machine has 2 shared cores, so a loaded machine
slows every side: compare the in-process ratios first).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagesurvey.models import mediation, multilevel  # noqa: E402

DATA = ROOT / "tests" / "reference" / "data"
STORED = {"pyprocessmacro": 0.83, "pingouin": 3.0, "statsmodels": 0.31, "lme4": 0.027}


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def baseline(name, fn, repeat):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return best(fn, repeat), "measured here"
    except Exception as exc:  # a baseline package missing or broken: fall back to the stored figure
        return STORED[name], f"stored figure ({type(exc).__name__}: {str(exc)[:60]})"


def report(label, ours, others):
    print(f"\n{label}\n  engagesurvey: {ours * 1000:8.1f} ms")
    for name, (t, how) in others.items():
        key = name.split(" ")[0]
        line = f"  {name:14s}: {t * 1000:8.1f} ms  ratio {t / ours:6.1f}x   [{how}]"
        if how == "measured here" and key in STORED:
            line += f"; vs stored {STORED[key] * 1000:.0f} ms: {STORED[key] / ours:.1f}x"
        print(line)


def main():
    d = pd.read_csv(DATA / "models_bfi_scales.csv")[["A", "C", "E"]]
    mediation(d, "A", "C", "E", n_boot=200, seed=0)  # warm-up
    ours = best(lambda: mediation(d, "A", "C", "E", n_boot=5000, seed=1), repeat=7)

    def ppm():
        import contextlib
        import io

        from pyprocessmacro import Process

        with contextlib.redirect_stdout(io.StringIO()):
            Process(data=d, model=4, x="A", y="E", m=["C"], boot=5000, seed=1, suppr_init=True)

    def pg():
        import pingouin

        pingouin.mediation_analysis(data=d, x="A", m="C", y="E", n_boot=5000, seed=1)

    report("Simple mediation, n = 2563, 5000 bootstrap draws",
           ours, {"pyprocessmacro": baseline("pyprocessmacro", ppm, 3), "pingouin": baseline("pingouin", pg, 2)})
    print("  targets: >= 5x pyprocessmacro, >= 15x pingouin")

    s = pd.read_csv(DATA / "models_multilevel.csv")
    multilevel(s, "y ~ x + w", "group")  # warm-up
    ours = best(lambda: multilevel(s, "y ~ x + w", "group"), repeat=10)

    def sm():
        import statsmodels.formula.api as smf

        smf.mixedlm("y ~ x + w", s, groups=s["group"]).fit(reml=True)

    report("Random intercept, 2500 rows / 201 clusters, REML", ours,
           {"statsmodels": baseline("statsmodels", sm, 3), "lme4 (stored)": (STORED["lme4"], "stored figure")})


if __name__ == "__main__":
    main()
