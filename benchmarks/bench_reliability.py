"""Benchmark: engagesurvey's alpha family and polychoric correlations vs pingouin and psych.

Run from the repo root: ``python benchmarks/bench_reliability.py [--r] [--r-100]``.

Baselines:
- ``pingouin.cronbach_alpha`` in this process (``pip install pingouin``; skipped if missing);
- psych 2.2.9 stored timings measured on this 2-core machine (psych::alpha(bfi A1-A5, keys="A1"):
  14.9 ms; psych::polychoric on A1-A5: 214 ms), or, with ``--r``, psych timed live via Rscript
  (``system.time`` over repeats; R start-up and data loading are not counted). ``--r-100`` also
  times psych::polychoric on the 100-item data (slow: minutes).
Targets: alpha >= 15x faster than psych, polychoric (5 items) >= 10x faster than psych.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagesurvey import reliability as rel

STORED_R_MS = {"alpha": 14.9, "poly5": 214.0}


def best_ms(fn, number: int, repeat: int = 5, cpu: bool = False) -> float:
    """Best of ``repeat`` runs, ms per call; ``cpu=True`` times process CPU (robust on a busy machine)."""
    timer = time.process_time if cpu else time.perf_counter
    return min(timeit.repeat(fn, number=number, repeat=repeat, timer=timer)) / number * 1000


def synthetic_ordinal(n_rows: int, n_items: int, seed: int = 0) -> pd.DataFrame:
    """Six-category items from a five-factor model (for the 100-item polychoric timing)."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n_rows, 5))
    load = np.zeros((n_items, 5))
    load[np.arange(n_items), np.arange(n_items) % 5] = rng.uniform(0.4, 0.8, n_items)
    z = f @ load.T + rng.normal(size=(n_rows, n_items)) * np.sqrt(1 - (load**2).sum(axis=1))
    codes = np.digitize(z, [-1.5, -0.8, -0.2, 0.4, 1.1]) + 1.0
    codes[rng.random(codes.shape) < 0.01] = np.nan
    return pd.DataFrame(codes, columns=[f"q{i + 1}" for i in range(n_items)])


def r_timings(data: dict[str, pd.DataFrame], with_100: bool) -> dict[str, float]:
    """psych timings via Rscript (ms); empty if R is not available."""
    if shutil.which("Rscript") is None:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, df in data.items():
            df.to_csv(Path(tmp) / f"{name}.csv", index=False, na_rep="")
        script = f"""
suppressPackageStartupMessages(library(psych))
setwd("{tmp}")
A <- read.csv("a5.csv"); P25 <- read.csv("p25.csv"); P100 <- read.csv("p100.csv")
out <- list()
out$alpha <- 1000 * system.time(for (i in 1:50) psych::alpha(A, keys = "A1"))[["elapsed"]] / 50
out$poly5 <- 1000 * system.time(for (i in 1:5) suppressWarnings(polychoric(A)))[["elapsed"]] / 5
out$poly25 <- 1000 * system.time(suppressWarnings(polychoric(P25)))[["elapsed"]]
if ({'TRUE' if with_100 else 'FALSE'}) out$poly100 <- 1000 * system.time(suppressWarnings(polychoric(P100)))[["elapsed"]]
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA))
"""
        res = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        print("Rscript failed; using stored psych timings:", res.stderr.strip()[:200])
        return {}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--r", action="store_true", help="time psych live via Rscript")
    ap.add_argument("--r-100", action="store_true", help="also time psych::polychoric on 100 items (slow)")
    args = ap.parse_args()

    bfi = pd.read_csv(ROOT / "tests" / "reference" / "data" / "bfi.csv")
    A = bfi[["A1", "A2", "A3", "A4", "A5"]]
    P25 = bfi.iloc[:, 1:26]
    P100 = synthetic_ordinal(2800, 100)
    R = r_timings({"a5": A, "p25": P25, "p100": P100}, args.r_100) if (args.r or args.r_100) else {}
    src = "live Rscript" if R else "stored"

    def ratio(base, ours):
        return f"{base / ours:6.1f}x" if base else "   n/a"

    print(f"psych timings: {src} (psych 2.2.9); ours: wall / process-CPU ms, best of 5\n")

    def line(label, fn, number, base=None, other=None):
        wall, cpu = best_ms(fn, number), best_ms(fn, number, cpu=True)
        txt = f"  {label:34s} {wall:8.2f} / {cpu:8.2f} ms"
        if base:
            txt += f"   psych {base:8.1f} ms: {ratio(base, wall)} (wall) {ratio(base, cpu)} (cpu)"
        if other:
            name, o_wall, o_cpu = other
            txt += f"   {name} {o_wall:6.2f} / {o_cpu:6.2f} ms: {ratio(o_wall, wall)} / {ratio(o_cpu, cpu)}"
        print(txt)

    print("alpha family on bfi 2800 x 5 (A1 reversed)")
    psych_alpha = R.get("alpha", STORED_R_MS["alpha"])
    try:
        import pingouin

        Ar = A.copy()
        Ar["A1"] = 7 - Ar["A1"]
        pg = lambda: pingouin.cronbach_alpha(Ar)
        other = ("pingouin", best_ms(pg, 50), best_ms(pg, 50, cpu=True))
    except ImportError:
        other = None
        print("  pingouin not installed (pip install pingouin): baseline skipped")
    line("alpha, pairwise (feldt CI)", lambda: rel.alpha(A, reverse=["A1"]), 50, psych_alpha, other)
    line("alpha, listwise", lambda: rel.alpha(A, reverse=["A1"], missing="listwise"), 50, psych_alpha)
    line("alpha + bootstrap CI (1000 draws)",
         lambda: rel.alpha(A, reverse=["A1"], ci_method="bootstrap", n_boot=1000, seed=1), 3)
    X10 = pd.concat([A, bfi[["C1", "C2", "C3", "C4", "C5"]]], axis=1)
    line("split_half, 10 items (126 splits)", lambda: rel.split_half(X10, reverse=["A1", "C4", "C5"]), 10)

    print("\npolychoric (bfi A1-A5, bfi 25 items, synthetic 100 items; 2800 rows)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [("5 items", A, 20, R.get("poly5", STORED_R_MS["poly5"])), ("25 items", P25, 3, R.get("poly25")),
                ("100 items", P100, 1, R.get("poly100"))]
        for label, df, number, base in rows:
            line(label, lambda df=df: rel.polychoric(df), number, base)

if __name__ == "__main__":
    main()
