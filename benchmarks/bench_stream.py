"""Streaming and distributed scoring of a national-scale survey: memory, throughput, moments -> fits.

Generates ``--rows`` simulated respondents x 60 items (6 correlated factors, 10 items each, 5-point
answers, 3 reverse-keyed items per scale, 2% missing answers) as Parquet in row groups, in chunks so
that generation itself stays in bounded memory (``benchmarks/_data/``, git-ignored), then

1. scores it with :func:`engagesurvey.score_stream` in a fresh process and reports rows/s and the peak
   RSS of that process (``resource.getrusage(RUSAGE_SELF).ru_maxrss``; target < 2 GB at 10 million);
2. scores it with :func:`engagesurvey.dask_backend.score_dask` on a 2-worker ``LocalCluster``;
3. baseline in the same process: the in-memory path (``pd.read_parquet`` + ``engagesurvey.score``) on
   the first ``min(rows, 1,000,000)`` rows, as rows/s;
4. fits alpha (``reliability._alpha_from_cov``) per scale and a 6-factor CFA of the 60 items
   (``engagesurvey.cfa(sample_cov=, sample_nobs=)``) from the accumulated moments of all rows, and
   the same from the moments of 1,000 rows: the fit time does not depend on n.

Usage: ``python benchmarks/bench_stream.py --rows 200000`` (quick) or ``--rows 10000000`` (full).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

N_SCALES, PER_SCALE = 6, 10


def keys() -> dict:
    return {f"s{k + 1}": [("-" if j in (2, 5, 8) else "") + f"s{k + 1}_{j + 1:02d}" for j in range(PER_SCALE)]
            for k in range(N_SCALES)}


def instrument():
    from engagesurvey.instrument import Instrument

    return Instrument.from_keys(keys(), min=1, max=5, id="bench60")


def generate(path: Path, rows: int, *, chunk: int = 500_000, seed: int = 1) -> None:
    """Write ``rows`` respondents in row groups of ``chunk``: memory stays at one chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    phi = np.full((N_SCALES, N_SCALES), 0.4) + 0.6 * np.eye(N_SCALES)
    chol = np.linalg.cholesky(phi)
    names = [k.lstrip("-") for ks in keys().values() for k in ks]
    rev = np.array([k.startswith("-") for ks in keys().values() for k in ks])
    cuts = np.array([-1.5, -0.5, 0.4, 1.3])
    tmp = path.with_name(path.name + ".partial")
    writer = None
    done = 0
    while done < rows:
        n = min(chunk, rows - done)
        f = rng.standard_normal((n, N_SCALES)) @ chol.T
        z = 0.7 * np.repeat(f, PER_SCALE, axis=1) + np.sqrt(1 - 0.49) * rng.standard_normal((n, len(names)))
        z = np.where(rev, -z, z)
        x = (np.searchsorted(cuts, z) + 1).astype(np.int8)
        miss = rng.random(x.shape) < 0.02
        cols = {"respondent_id": pa.array(np.arange(done + 1, done + n + 1, dtype=np.int64)),
                "agency": pa.array(rng.integers(0, 34, n).astype(np.int16))}
        for j, nm in enumerate(names):
            cols[nm] = pa.array(x[:, j], mask=miss[:, j])
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=chunk)
        done += n
        del f, z, x, miss, cols, table
    writer.close()
    os.replace(tmp, path)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def phase_stream(data: Path, chunk_rows: int) -> dict:
    from engagesurvey.stream import score_stream

    out = data.with_name("scores_stream.parquet")
    t = time.perf_counter()
    res = score_stream(data, instrument(), out, chunk_rows=chunk_rows, group="agency", id_column="respondent_id")
    secs = time.perf_counter() - t
    mpath = data.with_name("moments.json")
    mpath.write_text(json.dumps(res.moments.to_dict()))
    return {"seconds": secs, "rows": res.reconciliation["read"], "peak_rss_mb": peak_mb(),
            "counts": res.reconciliation, "moments": str(mpath)}


def phase_dask(data: Path) -> dict:
    from distributed import Client, LocalCluster

    from engagesurvey.dask_backend import score_dask

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t = time.perf_counter()
        res = score_dask(str(data), instrument(), data.with_name("scores_dask.parquet"), group="agency",
                         scheduler=client)
        secs = time.perf_counter() - t
    return {"seconds": secs, "rows": res.reconciliation["read"], "n": res.moments.n}


def phase_baseline(data: Path, rows: int) -> dict:
    import pandas as pd
    import pyarrow.parquet as pq

    import engagesurvey as es

    n = min(rows, 1_000_000)
    t = time.perf_counter()
    pf = pq.ParquetFile(data)
    frame = next(pf.iter_batches(batch_size=n)).to_pandas()
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    res = es.score(frame, instrument(), careless=False)
    secs = time.perf_counter() - t
    return {"seconds": secs, "rows": len(res.scores), "peak_rss_mb": peak_mb()}


def fits(moments_path: Path, data: Path) -> None:
    import pyarrow.parquet as pq

    import engagesurvey as es
    from engagesurvey.moments import Moments
    from engagesurvey.reliability import _alpha_from_cov

    big = Moments.from_dict(json.loads(moments_path.read_text()))
    inst = instrument()
    small_frame = next(pq.ParquetFile(data).iter_batches(batch_size=1000)).to_pandas()
    from engagesurvey.scoring import score_block

    items = [i for i in inst.items]
    small = Moments.from_frame(score_block(small_frame[items].astype(float), inst).items, columns=items)
    model = "\n".join(f"{s} =~ " + " + ".join(k.lstrip("-") for k in ks) for s, ks in keys().items())
    for label, m in (("1,000 rows", small), (f"{big.n:,} complete rows", big)):
        t = time.perf_counter()
        alphas = {s: _alpha_from_cov(m.cov.loc[[k.lstrip("-") for k in ks], [k.lstrip("-") for k in ks]],
                                     m.n)["raw_alpha"] for s, ks in keys().items()}
        ta = time.perf_counter() - t
        t = time.perf_counter()
        fit = es.cfa(model, sample_cov=m.cov, sample_nobs=m.n)
        tc = time.perf_counter() - t
        cfi = fit.fit_measures.get("cfi", float("nan")) if hasattr(fit.fit_measures, "get") else float("nan")
        print(f"  from moments of {label:>24}: alpha x6 {ta * 1e3:7.1f} ms (s1 alpha {alphas['s1']:.4f}); "
              f"CFA 60 items / 6 factors {tc:6.2f} s (CFI {float(cfi):.4f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--chunk-rows", type=int, default=100_000)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="BLAS threads per process (1 avoids oversubscription next to Dask workers)")
    args = ap.parse_args()
    data = HERE / "_data" / f"survey_{args.rows}.parquet"
    if args.phase:  # child process: one measurement, JSON on stdout
        fn = {"stream": lambda: phase_stream(data, args.chunk_rows), "dask": lambda: phase_dask(data),
              "baseline": lambda: phase_baseline(data, args.rows)}[args.phase]
        print(json.dumps(fn()))
        return
    data.parent.mkdir(parents=True, exist_ok=True)
    if args.regenerate or not data.exists():
        t = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {args.rows:,} x 60 items in {time.perf_counter() - t:.1f} s "
              f"({data.stat().st_size / 1e6:.0f} MB Parquet) -> {data}")

    def child(phase):
        cmd = [sys.executable, __file__, "--rows", str(args.rows), "--chunk-rows", str(args.chunk_rows),
               "--phase", phase]
        env = dict(os.environ, **{v: str(args.blas_threads) for v in
                                  ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode:
            raise SystemExit(f"{phase} phase failed:\n{proc.stderr[-3000:]}")
        out = proc.stdout
        return json.loads(out.strip().splitlines()[-1])

    print(f"{os.cpu_count()} CPUs; BLAS threads per process: {args.blas_threads}")
    st = child("stream")
    rate = st["rows"] / st["seconds"]
    print(f"score_stream (1 process, chunk_rows={args.chunk_rows:,}): {st['rows']:,} rows in {st['seconds']:.1f} s "
          f"= {rate:,.0f} rows/s; peak RSS {st['peak_rss_mb']:,.0f} MB (target < 2,048 MB) "
          f"{'OK' if st['peak_rss_mb'] < 2048 else 'OVER'}; {st['counts']}")
    bl = child("baseline")
    brate = bl["rows"] / bl["seconds"]
    print(f"baseline in-memory read_parquet + score ({bl['rows']:,} rows): {brate:,.0f} rows/s, "
          f"peak RSS {bl['peak_rss_mb']:,.0f} MB; streaming / in-memory throughput = {rate / brate:.2f}")
    if not args.no_dask:
        dk = child("dask")
        drate = dk["rows"] / dk["seconds"]
        print(f"score_dask (LocalCluster 2 workers x 1 thread): {dk['rows']:,} rows in {dk['seconds']:.1f} s = "
              f"{drate:,.0f} rows/s ({drate / rate:.2f} x single process)")
    print("fits from moments (time independent of n):")
    fits(Path(st["moments"]), data)


if __name__ == "__main__":
    main()
