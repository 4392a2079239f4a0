"""Benchmark: engagesurvey.sem vs lavaan (Rscript, if installed; else the stored 52.6 ms) and semopy.

Times the HolzingerSwineford1939 3-factor CFA by ML with all fit measures, the same by MLR, and the
four-level invariance run across school. Run from the repo root: ``python benchmarks/bench_sem.py``.
semopy is only a baseline here (``pip install semopy``); it is not a dependency of the library.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd

from engagesurvey.sem import cfa, invariance

ROOT = Path(__file__).resolve().parents[1]
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
LAVAAN_STORED_MS = 52.6
SEMOPY_STORED_MS = 28.0


def best_of(fn, reps=20):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000, sorted(times)[len(times) // 2] * 1000


def lavaan_ms(estimator="ML", group=False, reps=20):
    if shutil.which("Rscript") is None:
        return None
    grp = ', group = "school", group.equal = c("loadings", "intercepts", "residuals")' if group else ""
    code = f"""suppressPackageStartupMessages(library(lavaan)); data(HolzingerSwineford1939)
m <- '{MODEL}'
f <- function() {{ fit <- cfa(m, data = HolzingerSwineford1939, estimator = "{estimator}"{grp}); fitMeasures(fit) }}
invisible(f()); t <- sapply(1:{reps}, function(i) system.time(f())[["elapsed"]]); cat(median(t) * 1000)"""
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=300)
        return float(out.stdout.strip())
    except (subprocess.SubprocessError, ValueError):
        return None


def semopy_ms(data):
    try:
        import semopy
    except ImportError:
        return None

    def run():
        m = semopy.Model(MODEL)
        m.fit(data)
        semopy.calc_stats(m)

    return best_of(run, 10)[1]


def main():
    data = pd.read_csv(ROOT / "tests" / "reference" / "data" / "HolzingerSwineford1939.csv")
    rows = []
    ours_ml = best_of(lambda: cfa(MODEL, data).fit_measures)[1]
    lav = lavaan_ms()
    lav_src = "Rscript now" if lav is not None else "stored"
    lav = lav if lav is not None else LAVAAN_STORED_MS
    sp = semopy_ms(data)
    sp_src = "semopy now" if sp is not None else "stored"
    sp = sp if sp is not None else SEMOPY_STORED_MS
    rows.append(("HS CFA ML + fit measures", ours_ml, lav, lav_src, sp, sp_src))
    ours_mlr = best_of(lambda: cfa(MODEL, data, estimator="MLR").fit_measures)[1]
    lav_mlr = lavaan_ms("MLR")
    rows.append(("HS CFA MLR + fit measures", ours_mlr, lav_mlr, "Rscript now" if lav_mlr else "n/a", None, ""))
    ours_inv = best_of(lambda: invariance(MODEL, data, "school"), 5)[1]
    lav_grp = lavaan_ms(group=True, reps=5)
    rows.append(("invariance ML (4 models)", ours_inv, lav_grp * 4 if lav_grp else None,
                 "Rscript now (strict model x4)" if lav_grp else "n/a", None, ""))
    print(f"{'task':<28}{'ours ms':>9}{'lavaan ms':>11}{'ratio':>7}  {'source':<28}{'semopy ms':>10}{'ratio':>7}")
    for name, ours, lv, lsrc, s, ssrc in rows:
        lv_txt = f"{lv:11.1f}{lv / ours:7.1f}" if lv else f"{'':11}{'':7}"
        s_txt = f"{s:10.1f}{s / ours:7.1f}  ({ssrc})" if s else ""
        print(f"{name:<28}{ours:9.1f}{lv_txt}  {lsrc:<28}{s_txt}")


if __name__ == "__main__":
    main()


# ----------------------------------------------------------------------------- WLSMV (appended)
WLSMV_MODEL = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
WLSMV_ITEMS = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
LAVAAN_WLSMV_STORED_MS = 336.0


def lavaan_wlsmv_ms(reps=10):
    """Median ms of lavaan's cfa(..., ordered = TRUE) + fitMeasures via Rscript (None without R)."""
    if shutil.which("Rscript") is None:
        return None
    csv = ROOT / "tests" / "reference" / "data" / "bfi.csv"
    items = ", ".join(f'"{v}"' for v in WLSMV_ITEMS)
    code = f"""suppressPackageStartupMessages(library(lavaan)); d <- read.csv("{csv}")
it <- c({items}); d <- d[complete.cases(d[, it]), it]
m <- '{WLSMV_MODEL}'
f <- function() {{ fit <- cfa(m, data = d, ordered = TRUE); fitMeasures(fit) }}
invisible(f()); t <- sapply(1:{reps}, function(i) system.time(f())[["elapsed"]]); cat(median(t) * 1000)"""
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=600)
        return float(out.stdout.strip())
    except (subprocess.SubprocessError, ValueError):
        return None


def bench_wlsmv():
    """10 ordered bfi items, 2 factors, WLSMV with all fit measures vs lavaan (Rscript now or stored)."""
    bfi = pd.read_csv(ROOT / "tests" / "reference" / "data" / "bfi.csv")
    data = bfi.loc[bfi[WLSMV_ITEMS].notna().all(axis=1), WLSMV_ITEMS]
    ours = best_of(lambda: cfa(WLSMV_MODEL, data, ordered=True).fit_measures, 10)[1]
    lav = lavaan_wlsmv_ms()
    src = "Rscript now" if lav is not None else "stored"
    lav = lav if lav is not None else LAVAAN_WLSMV_STORED_MS
    print(f"{'WLSMV CFA 10 ordered items':<28}{ours:9.1f}{lav:11.1f}{lav / ours:7.1f}  {src}")


if __name__ == "__main__":
    bench_wlsmv()
