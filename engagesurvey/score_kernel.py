"""The arithmetic of scoring, done in chunks of rows on a few threads.

Done column by column over a million respondents, scoring streams the item matrix from memory several
times (check the codes, reverse-key, add up, count the answered items) and allocates a fresh temporary
the size of a column at every step. Here each chunk of a few thousand rows is copied once into a
workspace that stays in the processor's cache and is reused from chunk to chunk, and every step writes
into it (``out=``), so the only traffic to main memory is reading the answers once and writing the
results once.

The workspace holds the chunk's items with each scale's items side by side (``Plan.order``), so a
scale's sum is one reduction over a slice of columns::

    x          = answers, reverse-keyed items as (min + max - x), missing as 0     (m x p)
    missing    = 1 where the answer is missing                                      (m x p)
    sum_s      = x[:, s0:s1].sum(axis=1)           n_valid_s = (s1 - s0) - missing[:, s0:s1].sum(axis=1)
    score_s    = sum_s / n_valid_s  where n_valid_s >= needed_s, else missing

Chunks are independent and write to disjoint rows of the outputs; a thread pool runs them side by side
(numpy releases the GIL inside each step). The caller (:func:`engagesurvey.scoring.score_block`) turns a
reported bad column into the user's error message; this module only does arithmetic on arrays.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

CHUNK_BYTES = 32 << 20  # workspace per thread: 60 items -> 65,536 rows; one column of a chunk fits in L2
MIN_CHUNK_ROWS, MAX_CHUNK_ROWS = 4096, 1 << 17
MAX_THREADS = 8


@dataclass(frozen=True)
class Plan:
    """Everything the chunks need, built once per call from the instrument (by ``scoring._plan``).

    ``order`` lists the input columns in workspace order; ``spans`` gives each scale's workspace columns
    as ``(start, stop)`` (contiguous) or an index array (when the scales overlap so that no order makes
    them all contiguous). ``lo``/``hi``/``whole``/``sets`` are the allowed codes of each workspace
    column (+-inf bounds where anything goes; ``whole`` = whole numbers only; ``sets`` maps a column to
    its codes when they are not a run of consecutive whole numbers). ``reverse`` are the workspace
    columns of reverse-keyed items with ``reverse_sum`` = ``min + max``; ``reverse_at`` gives each
    workspace column's place in ``reverse`` (-1: not reverse-keyed). ``nonnegative`` marks the columns
    whose allowed (reverse-keyed) values are all >= 0. ``needed`` is the number of
    answered items each scale needs; ``rule_sub``/``rule_mul``/``rule_div`` turn a mean into the
    reported score as ``(mean - sub) * mul / div``.
    """

    order: np.ndarray
    spans: list
    lo: np.ndarray
    hi: np.ndarray
    whole: np.ndarray
    sets: dict
    reverse: np.ndarray
    reverse_sum: np.ndarray
    reverse_at: np.ndarray
    nonnegative: np.ndarray
    needed: np.ndarray
    rule_sub: np.ndarray
    rule_mul: np.ndarray
    rule_div: np.ndarray


@dataclass
class Outputs:
    """Row-aligned results of :func:`run` (column-major: one column per scale or reverse-keyed item).

    ``reversed_items`` follows ``Plan.reverse``. ``bad`` marks the workspace columns holding a code
    outside their allowed set or a value that is not finite; ``missing_rows``/``missing_cols`` locate
    every scale score below its minimum-valid rule.
    """

    scores: np.ndarray
    n_valid: np.ndarray
    reversed_items: np.ndarray
    n_answered: np.ndarray
    n_scored: np.ndarray
    missing_rows: np.ndarray
    missing_cols: np.ndarray
    bad: np.ndarray


def run(columns: list, plan: Plan, *, rows: int, chunk_rows: int | None = None,
        threads: int | None = None) -> Outputs:
    """Score the item ``columns`` (``rows``-long 1-D float arrays, NaN = missing) by ``plan``.

    ``chunk_rows``: rows per chunk (default: a workspace of about ``CHUNK_BYTES``); ``threads``: how
    many chunks run at once (default: one per core, at most 8).
    """
    if chunk_rows is None:
        chunk_rows = int(np.clip(CHUNK_BYTES // (8 * max(len(columns), 1)), MIN_CHUNK_ROWS, MAX_CHUNK_ROWS))
    p, k = len(columns), plan.needed.size
    out = Outputs(
        scores=np.empty((rows, k), order="F"),
        n_valid=np.empty((rows, k), dtype=count_dtype(plan), order="F"),
        reversed_items=np.empty((rows, plan.reverse.size), order="F"),
        n_answered=np.empty(rows, dtype=np.int64),
        n_scored=np.empty(rows, dtype=np.int64),
        missing_rows=np.empty(0, dtype=np.int64),
        missing_cols=np.empty(0, dtype=np.int64),
        bad=np.zeros(p, dtype=bool),
    )
    chunk_rows = max(1, min(chunk_rows, rows))
    starts = range(0, rows, chunk_rows)
    local = threading.local()

    def one(a):
        if not hasattr(local, "ws"):
            local.ws = _Workspace(chunk_rows, p, plan)
        return _chunk(columns, plan, out, local.ws, a, min(a + chunk_rows, rows))

    workers = min(threads or os.cpu_count() or 1, MAX_THREADS, len(starts))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(one, starts))
    else:
        parts = [one(a) for a in starts]
    for bad, _, _ in parts:
        out.bad |= bad
    found = [(r, c) for _, r, c in parts if r is not None]
    if found:
        out.missing_rows = np.concatenate([r for r, _ in found])
        out.missing_cols = np.concatenate([c for _, c in found])
    return out


def count_dtype(plan: Plan):
    """The smallest signed integer type that holds the item count of the longest scale."""
    longest = max((s[1] - s[0] if isinstance(s, tuple) else len(s) for s in plan.spans), default=0)
    return np.int8 if longest < 128 else np.int16 if longest < 32768 else np.int32


class _Workspace:
    """One thread's reusable buffers for a chunk of up to ``m`` rows."""

    def __init__(self, m: int, p: int, plan: Plan):
        self.x = np.empty((m, p), order="F")
        self.missing = np.empty((m, p), dtype=bool, order="F")
        self.tmp = np.empty(m)
        self.lowest, self.highest = np.empty(p), np.empty(p)  # per column of the chunk
        self.fraction = np.zeros(p)  # > 0 when a column holds a code that is not allowed
        self.sum = np.empty(m)
        self.count = np.uint8 if p < 256 else np.uint16  # missing answers per row, counted in small ints
        self.n_missing = np.empty(m, dtype=self.count)
        self.n_valid = np.empty(m)
        self.low = np.empty(m, dtype=bool)
        self.n_low = np.empty(m, dtype=np.uint16)
        widest = max((len(s) for s in plan.spans if not isinstance(s, tuple)), default=0)
        self.gather = np.empty((m, widest), order="F")
        self.gather_missing = np.empty((m, widest), dtype=np.uint8, order="F")


def _chunk(columns, plan: Plan, out: Outputs, ws: _Workspace, a: int, b: int):
    """Score rows ``a:b`` into ``out``; returns (bad columns, rows and scales of missing scores)."""
    m = b - a
    x, missing = ws.x[:m], ws.missing[:m]
    with np.errstate(invalid="ignore"):
        for w, src in enumerate(plan.order):  # one column at a time: its chunk stays in the core's cache
            raw = columns[src][a:b]
            ws.lowest[w] = np.fmin.reduce(raw)  # NaN only when the whole chunk of the column is missing
            ws.highest[w] = np.fmax.reduce(raw)
            if plan.whole[w]:  # whole numbers only: x - floor(x) is 0 (NaN where missing: ignored by fmax)
                frac = np.floor(raw, out=ws.tmp[:m])
                ws.fraction[w] = np.fmax.reduce(np.subtract(raw, frac, out=frac))
            if w in plan.sets:
                ws.fraction[w] = float(np.any(~np.isnan(raw) & ~np.isin(raw, plan.sets[w])))
            np.isnan(raw, out=missing[:, w])
            r = plan.reverse_at[w]
            if r >= 0:
                raw = np.subtract(plan.reverse_sum[r], raw, out=out.reversed_items[a:b, r])
            if plan.nonnegative[w]:  # allowed values are >= 0, so max(x, 0) only turns missing into 0
                np.fmax(raw, 0.0, out=x[:, w])
            else:
                x[:, w] = raw
                np.copyto(x[:, w], 0.0, where=missing[:, w])
        bad = ((ws.lowest < plan.lo) | (ws.highest > plan.hi) | np.isinf(ws.lowest) | np.isinf(ws.highest)
               | (ws.fraction > 0))
        n_missing, low, total, n_valid = ws.n_missing[:m], ws.low[:m], ws.sum[:m], ws.n_valid[:m]
        flags = missing.view(np.uint8)
        np.add.reduce(flags, axis=1, dtype=ws.count, out=n_missing)
        np.subtract(missing.shape[1], n_missing, out=out.n_answered[a:b])
        n_low = ws.n_low[:m]  # scales below their minimum-valid rule, per row
        n_low[:] = 0
        found_rows, found_cols = [], []
        for s, span in enumerate(plan.spans):
            if isinstance(span, tuple):
                xs, ms = x[:, span[0]:span[1]], flags[:, span[0]:span[1]]
            else:
                xs = np.take(x, span, axis=1, out=ws.gather[:m, :len(span)])
                ms = np.take(flags, span, axis=1, out=ws.gather_missing[:m, :len(span)])
            np.add.reduce(xs, axis=1, out=total)
            np.add.reduce(ms, axis=1, dtype=ws.count, out=n_missing)
            np.subtract(xs.shape[1], n_missing, out=n_valid)
            out.n_valid[a:b, s] = n_valid
            score = out.scores[a:b, s]
            with np.errstate(divide="ignore"):
                np.divide(total, n_valid, out=score)
            np.less(n_valid, plan.needed[s], out=low)
            if low.any():
                np.copyto(score, np.nan, where=low)
                hit = np.flatnonzero(low)
                found_rows.append(hit + a)
                found_cols.append(np.full(hit.size, s, dtype=np.int64))
            np.add(n_low, low, out=n_low)
            if plan.rule_sub[s] != 0.0:
                np.subtract(score, plan.rule_sub[s], out=score)
            if plan.rule_mul[s] != 1.0:
                np.multiply(score, plan.rule_mul[s], out=score)
            if plan.rule_div[s] != 1.0:
                np.divide(score, plan.rule_div[s], out=score)
    np.subtract(plan.needed.size, n_low, out=out.n_scored[a:b])
    if found_rows:
        return bad, np.concatenate(found_rows), np.concatenate(found_cols)
    return bad, None, None
