"""Scoring 1,000,000 respondents x 60 items: time to score beside the time to just read the file.

Target (issue 2): scoring adds less time than reading the file does. Run:
    python benchmarks/bench_scoring.py [--rows 1000000]
The data (numeric codes 1-5, 2% missing, 12 scales of 5 items, a third reverse-keyed) is generated once
into benchmarks/_data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import engagesurvey as es
from engagesurvey.instrument import Instrument

HERE = Path(__file__).parent / "_data"


def make(rows: int, items: int = 60, seed: int = 1):
    HERE.mkdir(exist_ok=True)
    csv, pq = HERE / f"codes_{rows}.csv", HERE / f"codes_{rows}.parquet"
    if not csv.exists() or not pq.exists():
        rng = np.random.default_rng(seed)
        x = rng.integers(1, 6, size=(rows, items)).astype(float)
        x[rng.random(x.shape) < 0.02] = np.nan
        df = pd.DataFrame(x, columns=[f"q{j + 1:02d}" for j in range(items)])
        df.insert(0, "respondent_id", np.arange(rows))
        df.to_parquet(pq, index=False)
        df.to_csv(csv, index=False)
    keys = {f"s{k + 1:02d}": [("-" if (k * 5 + j) % 3 == 0 else "") + f"q{k * 5 + j + 1:02d}" for j in range(5)]
            for k in range(items // 5)}
    return csv, pq, Instrument.from_keys(keys, min=1, max=5)


def timed(fn, repeat=1):
    """Best wall time of ``repeat`` runs, and the last result. The previous run's result is freed
    before the next run starts, so every run (reading or scoring alike) starts from the same memory
    state instead of competing with a copy of its own output for fresh pages."""
    best, out = np.inf, None
    for _ in range(repeat):
        out = None
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    csv, pq, inst = make(args.rows)
    print(f"{args.rows:,} respondents x 60 items, 12 scales")
    for name, reader in (("CSV", lambda: pd.read_csv(csv)), ("Parquet", lambda: pd.read_parquet(pq))):
        frame = res = None  # the previous format's data and scores are not kept while this one is timed
        t_read, frame = timed(reader, repeat=3)  # best of 3 for each: warm caches on both sides
        t_score, res = timed(lambda: es.score(frame, inst, careless=False), repeat=3)
        if res.counts()["read"] != args.rows:
            raise SystemExit("rows lost in scoring")
        res = None
        t_full, _ = timed(lambda: es.score(frame, inst, careless=True))
        _ = None
        print(f"{name:8s} read {t_read:7.2f} s | score {t_score:6.2f} s (ratio score/read {t_score / t_read:5.2f})"
              f" | score + careless indices {t_full:6.2f} s (ratio {t_full / t_read:5.2f})")
    frame = None
    t_rr, _ = timed(lambda: es.read_responses(csv, inst, id_column="respondent_id"))
    print(f"es.read_responses on the CSV (column matching, label/code checks, audit log): {t_rr:.2f} s;"
          f" scoring adds {t_score / t_rr:.2f}x that")


if __name__ == "__main__":
    main()
