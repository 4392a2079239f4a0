"""EFA speed: 5 factors, minres + oblimin, on psych's bfi 25 items (2800 rows, pairwise correlations).

Baselines: psych::fa timed through Rscript when R is available (otherwise the stored 34 ms), and
factor-analyzer in the same process if it imports (``pip install factor-analyzer``; it may not import with
scikit-learn >= 1.8 / pandas 3: then we say so). Run from the repository root:
``python benchmarks/bench_factor.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagesurvey import factor
from engagesurvey.omega import omega

R_STORED_MS = 34.0
ITEMS = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]


def best_ms(fn, repeat=20):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * float(np.median(times))


def r_fa_ms():
    if shutil.which("Rscript") is None:
        return None
    code = (
        "suppressPackageStartupMessages(library(psych));"
        f"x <- read.csv('{ROOT / 'tests/reference/data/bfi.csv'}')[, c({', '.join(repr(i) for i in ITEMS)})];"
        "f <- fa(x, 5); t <- replicate(20, system.time(fa(x, 5))[['elapsed']]); cat(1000 * median(t))"
    )
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=300, check=False)
        return float(out.stdout.strip().split()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None


def main():
    data = pd.read_csv(ROOT / "tests/reference/data/bfi.csv")[ITEMS]
    ours = best_ms(lambda: factor.efa(data, 5))
    print(f"engagesurvey.efa (minres + oblimin, 5 factors, bfi 25 items): {ours:8.1f} ms")
    r_ms = r_fa_ms()
    if r_ms is None:
        print(f"psych::fa (stored figure):                                     {R_STORED_MS:8.1f} ms  "
              f"ratio ours/R = {ours / R_STORED_MS:.2f}")
    else:
        print(f"psych::fa (Rscript, median of 20):                             {r_ms:8.1f} ms  "
              f"ratio ours/R = {ours / r_ms:.2f}  (stored figure {R_STORED_MS:.0f} ms: "
              f"{ours / R_STORED_MS:.2f})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from factor_analyzer import FactorAnalyzer

            def fa_run():
                FactorAnalyzer(n_factors=5, rotation="oblimin", method="minres").fit(data.dropna())

            fa_ms = best_ms(fa_run, repeat=5)
        print(f"factor-analyzer FactorAnalyzer (complete rows):                {fa_ms:8.1f} ms  "
              f"ratio ours/factor-analyzer = {ours / fa_ms:.2f}")
    except Exception as exc:  # noqa: BLE001 - a baseline that does not run is reported, not fatal
        print(f"factor-analyzer baseline unavailable: {type(exc).__name__}: {exc}")
    others = {
        "kmo": lambda: factor.kmo(data),
        "parallel_analysis (20 draws)": lambda: factor.parallel_analysis(data, seed=1),
        "omega (5 factors)": lambda: omega(data, n_factors=5),
    }
    for name, fn in others.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            print(f"engagesurvey.{name}: {best_ms(fn, repeat=3):8.1f} ms")


if __name__ == "__main__":
    main()
