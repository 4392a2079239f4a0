"""Distributed scoring and moments on Dask: one partition per task, moments merged in a tree.

:func:`score_dask` is :func:`engagesurvey.stream.score_stream` spread over a Dask cluster: every
partition of a ``dask.dataframe`` is recoded and scored by the same per-chunk code
(:class:`engagesurvey.stream.ChunkScorer`, itself built on :func:`engagesurvey.scoring.score_block` and
``engagesurvey.io.mapping``), each task returns the :class:`~engagesurvey.moments.Moments` of its
partition, and those are merged pairwise in a binary tree of ``dask.delayed`` tasks (Chan, Golub &
LeVeque 1979), so the client only ever receives one Moments object and the counts. Results equal the
single-machine ones (tests/test_dask.py). Needs ``pip install "dask[distributed]"`` (the ``large``
extra); see docs/large-surveys.md for pointing it at a cluster and at Parquet on shared storage.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import EngageSurveyError, InputError
from .instrument import load_instrument
from .io._layout import generic_layout
from .stream import (
    _SCORE_LOG_COLUMNS,
    LOG_COLUMNS,
    ChunkScorer,
    StreamResult,
    _IdCheck,
    _log_schema,
    _log_table,
    _Writer,
    output_paths,
    prepare,
)

__all__ = ["score_dask"]


def _dd():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - depends on the environment
        raise EngageSurveyError('score_dask needs Dask: pip install "dask[distributed]"') from None
    return dask, dd


def _open(ddf_or_path, storage_options=None, read_kwargs=None):
    """A dask DataFrame and a display name from a dask DataFrame, a Parquet path/glob/folder or CSV glob."""
    _, dd = _dd()
    if isinstance(ddf_or_path, dd.DataFrame):
        return ddf_or_path, "<dask DataFrame>"
    if isinstance(ddf_or_path, pd.DataFrame):
        return dd.from_pandas(ddf_or_path, npartitions=1), "<DataFrame>"
    if not isinstance(ddf_or_path, (str, Path)):
        raise EngageSurveyError(f"score_dask needs a dask DataFrame or a path, got {type(ddf_or_path).__name__}")
    path = str(ddf_or_path)
    name = path.rstrip("/").rsplit("/", 1)[-1]
    low = path.lower()
    try:
        if low.endswith((".csv", ".tsv", ".txt")):
            sep = "\t" if low.endswith(".tsv") else ","
            kw = {"blocksize": "64MB", **(read_kwargs or {})}
            ddf = dd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], sep=sep,
                              storage_options=storage_options, **kw)
        else:
            kw = {"split_row_groups": True, **(read_kwargs or {})}  # one task per row group
            ddf = dd.read_parquet(path, storage_options=storage_options, **kw)
    except (OSError, ValueError) as exc:  # no such file, no Parquet files in a folder, unreadable
        raise InputError(f"cannot open for Dask: {_first_line(exc)}", file=path) from None
    return ddf, name


def _first_line(exc) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _score_part(pdf, offset, scorer: ChunkScorer, part_paths, fmt, want_scores):
    """Score one partition (a pandas DataFrame); write its part files; return small summaries."""
    import pyarrow as pa

    table = pa.Table.from_pandas(pdf, preserve_index=False)
    res = scorer.run(table, int(offset))
    local = _IdCheck(scorer.name, scorer.id_column)
    local.add(res.ids)  # duplicates inside the partition, reported with their value
    scores = None
    if part_paths is not None:
        todo = [("scores", res.scores, fmt, None), ("reconciliation", res.reconciliation, fmt, None),
                ("log", _log_table(res.log, _SCORE_LOG_COLUMNS, ("row", "n_valid", "needed")), "csv",
                 _log_schema(_SCORE_LOG_COLUMNS, ("row", "n_valid", "needed"))),
                ("read_log", _log_table(res.read_log, LOG_COLUMNS, ("row",)), "csv", _log_schema(LOG_COLUMNS, ()))]
        for key, tab, f, schema in todo:
            p = Path(part_paths[key])
            p.parent.mkdir(parents=True, exist_ok=True)
            w = _Writer(p, f, schema)
            w.write(tab)
            w.finish()
    if want_scores:
        scores = res.scores.to_pandas()
    ids = (res.ids[0], res.ids[1]) if res.ids is not None else None
    return res.counts, res.moments, ids, scores


def _merge(a, b):
    return a.merge(b)


def _tree(items, delayed):
    """Pairwise merge of delayed Moments in a binary tree (depth log2(partitions))."""
    while len(items) > 1:
        items = [delayed(_merge)(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]


def _client(scheduler):
    """(scheduler argument for dask.compute, client to close or None)."""
    if scheduler is None or not isinstance(scheduler, str):
        return scheduler, None
    if "://" in scheduler or (":" in scheduler and scheduler.rsplit(":", 1)[-1].isdigit()):
        from distributed import Client

        c = Client(scheduler, set_as_default=False)
        return c, c
    return scheduler, None  # "threads", "processes", "synchronous"


def score_dask(ddf_or_path, instrument, out_path=None, *, group=None, scheduler=None, id_column=None,
               mapping=None, min_valid=None, storage_options=None, read_kwargs=None) -> StreamResult:
    """Score a survey held as a Dask DataFrame (or Parquet/CSV files) on a Dask cluster.

    Parameters
    ----------
    ddf_or_path : dask DataFrame, or a path: a Parquet file, folder or glob (``/mnt/share/*.parquet``,
        ``s3://bucket/survey/*.parquet``) or a CSV glob. Columns are mapped to items as in
        :func:`engagesurvey.read_responses` (one header row; ``mapping=`` overrides).
    instrument : Instrument, bundled id or YAML path.
    out_path : ``<out>.parquet`` or ``<out>.csv``, or None. Each output is a folder of part files written
        by the workers (so it must be storage every worker can reach): ``<out>.parquet/part-00000.parquet``,
        ``<out>.reconciliation.parquet/...``, ``<out>.log.csv/part-00000.csv``, ``<out>.read_log.csv/...``.
        With None nothing is written and the scores are gathered into ``result.extra["scores"]``
        (only sensible when they fit in the client's memory).
    group : column for per-group moments (``.moments.groups``).
    scheduler : None (Dask's default: the active ``distributed.Client`` if any), a ``Client``, a
        scheduler address ``"tcp://host:8786"``, or ``"threads"``/``"processes"``/``"synchronous"``.
    storage_options : passed to ``dd.read_parquet``/``dd.read_csv`` (e.g. S3 credentials).
    read_kwargs : more arguments for ``dd.read_parquet`` (default ``split_row_groups=True``: one task per
        row group) or ``dd.read_csv`` (default ``blocksize="64MB"``).

    Rows are numbered from 1 in partition order (a first pass reads the needed columns to count the rows
    of each partition), so row numbers in the outputs and in errors match
    :func:`~engagesurvey.stream.score_stream` on the same rows. Ids must be unique: duplicates inside a
    partition are reported with their value, across partitions with both row numbers.

    Returns a :class:`~engagesurvey.stream.StreamResult` equal to ``score_stream``'s (moments to
    rounding, ~1e-14; scores and counts identical).
    """
    dask, _ = _dd()
    t0 = time.perf_counter()
    inst = load_instrument(instrument)
    ddf, name = _open(ddf_or_path, storage_options, read_kwargs)
    names = [str(c) for c in ddf.columns]
    if names != list(ddf.columns):
        ddf = ddf.rename(columns=dict(zip(ddf.columns, names)))
    layout = generic_layout([names], "dask")
    layout.n_header = 0
    fmt, paths = output_paths(Path(out_path)) if out_path is not None else ("parquet", None)
    found, idc, group = prepare(layout, name, inst, id_column=id_column, group=group, mapping=mapping)
    scorer = ChunkScorer(inst, layout, found, name=name, id_column=idc, group=group, min_valid=min_valid,
                         csv_out=fmt == "csv")
    sub = ddf[scorer.columns]
    if paths is not None:
        _clear_parts(paths)
    sched, own = _client(scheduler)
    try:
        parts = sub.to_delayed()
        # row numbers: the lengths of these very partitions (a graph optimiser may fuse partitions of
        # other expressions, so they are not taken from a separate map_partitions(len))
        lengths = dask.compute(*[dask.delayed(len)(p) for p in parts], scheduler=sched)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)
        tasks = []
        for k, part in enumerate(parts):
            pp = None
            if paths is not None:
                pp = {key: str(Path(p) / f"part-{k:05d}{'.csv' if key in ('log', 'read_log') else '.' + fmt}")
                      for key, p in paths.items()}
            tasks.append(dask.delayed(_score_part, nout=4)(part, int(offsets[k]), scorer, pp, fmt,
                                                           paths is None))
        moments = _tree([t[1] for t in tasks], dask.delayed)
        counts, ids, scores, moments = dask.compute([t[0] for t in tasks], [t[2] for t in tasks],
                                                    [t[3] for t in tasks], moments, scheduler=sched)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:  # a malformed CSV met by a worker
        raise InputError(f"not a readable delimited text file ({_first_line(exc)})", file=name) from None
    finally:
        if own is not None:
            own.close()
    total = {"read": 0, "scored": 0, "partial": 0, "excluded": 0}
    for c in counts:
        for k in total:
            total[k] += c[k]
    if total["read"] == 0:
        raise InputError("no data rows", file=name)
    _check_across(ids, name, idc)
    extra = {"partitions": len(tasks)}
    if paths is None:
        extra["scores"] = pd.concat(scores, ignore_index=True)
    return StreamResult(out_path=str(paths["scores"]) if paths else None, reconciliation=total,
                        moments=moments, paths={k: str(v) for k, v in (paths or {}).items()},
                        item_columns={iid: col for iid, col in scorer.items}, instrument=inst,
                        n_chunks=len(tasks), seconds=time.perf_counter() - t0, source=name, extra=extra)


def _clear_parts(paths: dict) -> None:
    """Remove part files of an earlier run (ours by name), so a re-run with fewer partitions is clean."""
    for p in paths.values():
        p = Path(p)
        if p.exists() and not p.is_dir():
            raise EngageSurveyError(f"{p} exists and is a file; score_dask writes a folder of part files there")
        if p.is_dir():
            for f in p.glob("part-[0-9][0-9][0-9][0-9][0-9]*"):
                f.unlink()


def _check_across(ids, name, column):
    parts = [i for i in ids if i is not None and len(i[0])]
    if len(parts) < 2:
        return
    h = np.concatenate([p[0] for p in parts])
    r = np.concatenate([p[1] for p in parts])
    order = np.argsort(h, kind="stable")
    hs = h[order]
    dup = np.flatnonzero(hs[1:] == hs[:-1])
    if dup.size:
        pairs = np.sort(np.column_stack([r[order[dup]], r[order[dup + 1]]]), axis=1)
        first, second = pairs[np.argmin(pairs[:, 1])]
        raise InputError(f"respondent id occurs more than once (rows {int(first)}, {int(second)}, in different "
                         "partitions)", file=name, row=int(second), column=column)
