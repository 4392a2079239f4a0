"""Time the full report on a survey of 10,000 respondents in 200 units (target: under a minute).

Steps timed separately: simulate + write the export, read + score, and `build_report` (validation of
every instrument with invariance across agencies, H1-H6, engagement sections, both languages, tables and
JSON). Baseline for comparison in the same run: reading and scoring alone. Run:
    python benchmarks/bench_report.py [--n 10000 --units 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import engagesurvey as es
from engagesurvey.report import build_report
from engagesurvey.simulate import DEMO_INSTRUMENTS, simulate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--agencies", type=int, default=12)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="es-report-"))
    t0 = time.perf_counter()
    path = simulate(args.agencies, args.units, args.n, seed=1).write(out / "export.csv")
    t1 = time.perf_counter()
    inst = es.combine_instruments(DEMO_INSTRUMENTS)
    result = es.score(es.read_responses(path, inst, id_column="respondent_id"), inst)
    t2 = time.perf_counter()
    steps = {}
    last = [time.perf_counter()]

    def progress(name):
        now = time.perf_counter()
        steps[name] = now
        last[0] = now

    build_report(result, out, source=path, seed=1, progress=progress)
    t3 = time.perf_counter()
    print(f"{args.n:,} respondents, {args.units} units, {args.agencies} agencies -> {out}")
    print(f"simulate + write export  {t1 - t0:6.1f} s")
    print(f"read + score (baseline)  {t2 - t1:6.1f} s")
    print(f"build_report             {t3 - t2:6.1f} s  (ratio to read + score: {(t3 - t2) / (t2 - t1):.1f}x; "
          f"target < 60 s: {'met' if t3 - t2 < 60 else 'NOT met'})")
    names = list(steps)
    for a, b in zip(names, names[1:] + ["end"]):
        end = steps[b] if b in steps else t3
        print(f"  {a:<22} {end - steps[a]:6.1f} s")


if __name__ == "__main__":
    main()
