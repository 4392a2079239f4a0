"""The arithmetic of scoring, done in chunks of rows on a few threads.

Done column by column over a million respondents, scoring streams the item matrix from memory several
times (check the codes, reverse-key, add up, count the answered items) and allocates a fresh temporary
the size of a column at every step. Here the rows are cut into chunks, and each chunk of one item column
(a few hundred kilobytes) is read from memory once and then stays in the core's cache while it is
checked, reverse-keyed and added into the running totals of the scales it belongs to. All buffers are
reused from chunk to chunk (``out=``), so the only traffic to main memory is reading the answers once
and writing the results once. For each chunk of rows::

    for each item j:    v_j       = answer, reverse-keyed as (min + max - x), missing as 0
                        missing_j = 1 where the answer is missing
                        for each scale s holding j:  sum_s += v_j;  n_missing_s += missing_j
    for each scale s:   n_valid_s = k_s - n_missing_s
                        score_s   = sum_s / n_valid_s  where n_valid_s >= needed_s, else missing

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

CHUNK_BYTES = 32 << 20  # rows per chunk: 32 MB / (8 bytes x items); 60 items -> 65,536 rows (512 kB a column)
MIN_CHUNK_ROWS, MAX_CHUNK_ROWS = 4096, 1 << 17
MAX_THREADS = 8


@dataclass(frozen=True)
class Plan:
    """Everything the chunks need, built once per call from the instrument (by ``scoring._plan``).

    ``order`` lists the input columns in the order the kernel visits them (a scale's items one after
    another); the other per-column fields follow that order. ``scales_of`` gives each visited column's
    scales and ``sizes`` the number of items of each scale. ``lo``/``hi``/``whole``/``sets`` are the
    allowed codes (+-inf bounds where anything goes; ``whole`` = whole numbers only; ``sets`` maps a
    column to its codes when they are not a run of consecutive whole numbers). ``reverse`` lists the
    reverse-keyed columns, ``reverse_sum`` their ``min + max``, and ``reverse_at`` each column's place
    in ``reverse`` (-1: not reverse-keyed). ``nonnegative`` marks the columns whose allowed values, as
    reverse-keyed, are all >= 0. ``needed`` is the number of answered items each scale needs;
    ``rule_sub``/``rule_mul``/``rule_div`` turn a mean into the reported score as
    ``(mean - sub) * mul / div``.
    """

    order: np.ndarray
    scales_of: list
    sizes: np.ndarray
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

    ``reversed_items`` follows ``Plan.reverse``. ``bad`` marks the visited columns holding a code
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

    ``chunk_rows``: rows per chunk (default: ``CHUNK_BYTES`` of answers per chunk); ``threads``: how
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
            local.ws = _Workspace(chunk_rows, p, k)
        return _chunk(columns, plan, out, local.ws, a, min(a + chunk_rows, rows))

    workers = min(threads or _cores(), MAX_THREADS, len(starts))
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


def _cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def count_dtype(plan: Plan):
    """The smallest signed integer type that holds the item count of the longest scale."""
    longest = int(plan.sizes.max(initial=0))
    return np.int8 if longest < 128 else np.int16 if longest < 32768 else np.int32


class _Workspace:
    """One thread's reusable buffers for a chunk of up to ``m`` rows (``k`` scales)."""

    def __init__(self, m: int, p: int, k: int):
        self.value = np.empty(m)  # one item's answers, reverse-keyed, missing as 0
        self.missing = np.empty(m, dtype=bool)
        self.tmp = np.empty(m)
        self.lowest, self.highest = np.empty(p), np.empty(p)  # per column of the chunk
        self.fraction = np.zeros(p)  # > 0 when a column holds a code that is not allowed
        self.count = np.uint8 if p < 256 else np.uint16  # missing answers per row, counted in small ints
        self.sums = np.empty((k, m))
        self.n_missing = np.empty((k, m), dtype=self.count)
        self.n_missing_all = np.empty(m, dtype=self.count)
        self.n_valid = np.empty(m)
        self.low = np.empty(m, dtype=bool)
        self.n_low = np.empty(m, dtype=np.uint16)


def _chunk(columns, plan: Plan, out: Outputs, ws: _Workspace, a: int, b: int):
    """Score rows ``a:b`` into ``out``; returns (bad columns, rows and scales of missing scores)."""
    m = b - a
    value, missing, sums, n_missing = ws.value[:m], ws.missing[:m], ws.sums[:, :m], ws.n_missing[:, :m]
    n_missing_all = ws.n_missing_all[:m]
    sums[:] = 0.0
    n_missing[:] = 0
    n_missing_all[:] = 0
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
            np.isnan(raw, out=missing)
            np.add(n_missing_all, missing, out=n_missing_all)
            r = plan.reverse_at[w]
            if r >= 0:
                raw = np.subtract(plan.reverse_sum[r], raw, out=out.reversed_items[a:b, r])
            if not plan.scales_of[w]:  # an attention check or an unscored item
                continue
            if plan.nonnegative[w]:  # allowed values are >= 0, so max(x, 0) only turns missing into 0
                np.fmax(raw, 0.0, out=value)
            else:
                np.copyto(value, raw)
                np.copyto(value, 0.0, where=missing)
            for s in plan.scales_of[w]:
                np.add(sums[s], value, out=sums[s])
                np.add(n_missing[s], missing, out=n_missing[s])
        bad = ((ws.lowest < plan.lo) | (ws.highest > plan.hi) | np.isinf(ws.lowest) | np.isinf(ws.highest)
               | (ws.fraction > 0))
        np.subtract(len(plan.order), n_missing_all, out=out.n_answered[a:b])
        low, n_valid = ws.low[:m], ws.n_valid[:m]
        n_low = ws.n_low[:m]  # scales below their minimum-valid rule, per row
        n_low[:] = 0
        found_rows, found_cols = [], []
        for s in range(plan.needed.size):
            np.subtract(plan.sizes[s], n_missing[s], out=n_valid)
            out.n_valid[a:b, s] = n_valid
            score = out.scores[a:b, s]
            with np.errstate(divide="ignore"):
                np.divide(sums[s], n_valid, out=score)
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
