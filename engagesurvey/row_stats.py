"""Statistics of each respondent's row over the answered items, for millions of rows.

The careless-response indices (``engagesurvey.careless``) are row-wise: a mean, a standard deviation,
a correlation or the longest run of identical answers within each respondent's answers. Written with
``np.nanmean`` and ``np.where`` over the whole matrix, each step allocates a temporary as large as the
data. Here every function walks the item columns (a few dozen) and updates one value per respondent in
place, so the work is vectorised over respondents, the temporaries are one column long, and a
column-major matrix is read column by column as it lies in memory. Missing answers are NaN.
"""

from __future__ import annotations

import numpy as np


def columns_major(x: np.ndarray) -> np.ndarray:
    """``x`` as float64 with each column contiguous (no copy when it already is)."""
    return np.asfortranarray(x, dtype=float)


def count_answered(x: np.ndarray) -> np.ndarray:
    """Number of answered (non-NaN) cells in each row."""
    k = np.zeros(x.shape[0], dtype=np.int64)
    for j in range(x.shape[1]):
        k += ~np.isnan(x[:, j])
    return k


def row_sums(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sum over the answered cells, number answered) of each row."""
    total = np.zeros(x.shape[0])
    k = np.zeros(x.shape[0], dtype=np.int64)
    answered = np.empty(x.shape[0], dtype=bool)
    for j in range(x.shape[1]):
        np.isnan(x[:, j], out=answered)
        np.logical_not(answered, out=answered)
        np.add(total, x[:, j], out=total, where=answered)
        k += answered
    return total, k


def row_means(x: np.ndarray) -> np.ndarray:
    """Mean of the answered cells of each row (NaN where none is answered)."""
    total, k = row_sums(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, total / k, np.nan)


def row_sd(x: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Standard deviation of the answered cells of each row, two-pass (mean, then squared deviations).

    ``sqrt(sum_j (x_ij - mean_i)^2 / (k_i - ddof))`` over the ``k_i`` answered cells; NaN where
    ``k_i <= ddof``.
    """
    total, k = row_sums(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / k
        ss = np.zeros(x.shape[0])
        d = np.empty(x.shape[0])
        for j in range(x.shape[1]):
            np.subtract(x[:, j], mean, out=d)
            np.multiply(d, d, out=d)
            np.add(ss, d, out=ss, where=~np.isnan(d))
        sd = np.sqrt(ss / (k - ddof))
    return np.where(k > ddof, sd, np.nan)


def row_corr(a: np.ndarray, b: np.ndarray, min_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise Pearson correlation of ``a`` and ``b`` (n x k) over the columns where both are answered.

    Two-pass: means over the complete pairs, then ``sum(da db) / sqrt(sum(da^2) sum(db^2))``. Returns
    (r, number of complete pairs); r is NaN with fewer than ``min_pairs`` pairs or a zero variance.
    """
    n, k = a.shape
    both = np.empty((k, n), dtype=bool)  # row j: column j of a and b both answered
    for j in range(k):
        np.logical_and(~np.isnan(a[:, j]), ~np.isnan(b[:, j]), out=both[j])
    pairs = both.sum(axis=0)
    sa, sb = np.zeros(n), np.zeros(n)
    for j in range(k):
        np.add(sa, a[:, j], out=sa, where=both[j])
        np.add(sb, b[:, j], out=sb, where=both[j])
    with np.errstate(invalid="ignore", divide="ignore"):
        ma, mb = sa / pairs, sb / pairs
        sab, saa, sbb = np.zeros(n), np.zeros(n), np.zeros(n)
        da, db = np.empty(n), np.empty(n)
        for j in range(k):
            np.subtract(a[:, j], ma, out=da)
            np.subtract(b[:, j], mb, out=db)
            np.add(saa, da * da, out=saa, where=both[j])
            np.add(sbb, db * db, out=sbb, where=both[j])
            np.add(sab, da * db, out=sab, where=both[j])
        r = sab / np.sqrt(saa * sbb)
    r = np.where((pairs >= min_pairs) & (saa > 0) & (sbb > 0), r, np.nan)
    return np.clip(r, -1.0, 1.0), pairs


def longest_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of identical consecutive answers, column order: (longest run, number of runs, answered).

    A run is a maximal stretch of consecutive columns holding the same value; a missing answer ends a
    run and is not counted as one. Two equal answers are equal floats, and NaN equals nothing, so
    ``same_j = x_j == x_(j-1)`` already implies both are answered, and the running length is
    ``run_j = run_(j-1) * same_j + answered_j``.
    """
    n, p = x.shape
    small = np.int16 if p < 32767 else np.int64
    answered = ~np.isnan(x[:, 0])
    run = answered.astype(small)
    longest = run.copy()
    starts = run.astype(np.int64)
    n_answered = starts.copy()
    same = np.empty(n, dtype=bool)
    for j in range(1, p):
        np.isnan(x[:, j], out=answered)
        np.logical_not(answered, out=answered)
        np.equal(x[:, j], x[:, j - 1], out=same)
        np.multiply(run, same, out=run)
        np.add(run, answered, out=run)
        np.maximum(longest, run, out=longest)
        starts += answered
        starts -= same  # an answer equal to the one before continues a run instead of starting one
        n_answered += answered
    return longest.astype(np.int64), starts, n_answered


def pairwise_corr(x: np.ndarray) -> np.ndarray:
    """Pairwise-complete correlation matrix (R's ``cor(x, use = "pairwise")``, pandas' ``corr()``).

    ``r_ij = c_ij / sqrt(m2_ij m2_ji)`` from :func:`_pairwise_sums`; NaN with fewer than 2 complete pairs.
    """
    pn, m2, cross = _pairwise_sums(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cross / np.sqrt(m2 * m2.T)
    return np.clip(np.where(pn >= 2, r, np.nan), -1.0, 1.0)


def pairwise_cov(x: np.ndarray) -> np.ndarray:
    """Pairwise-complete covariance matrix, n - 1 denominator (R's ``cov(x, use = "pairwise")``)."""
    pn, _, cross = _pairwise_sums(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pn >= 2, cross / (pn - 1), np.nan)


def _pairwise_sums(x: np.ndarray, chunk_rows: int = 65536):
    """Over the rows where both items i and j are answered: (n_ij, sum of squares of i about its mean
    there, cross-products about both means).

    Each column is first shifted by its available-case mean; then, over blocks of rows, matrix
    products of the answered indicator ``M`` and the shifted answers ``Z`` (missing as 0) give
    ``n = M'M``, ``s = Z'M`` (``s_ij`` = sum of item i where j is answered too), ``ss = (Z*Z)'M`` and
    ``c = Z'Z``; then ``m2_ij = ss_ij - s_ij^2 / n_ij`` and ``cross_ij = c_ij - s_ij s_ji / n_ij``.
    """
    n, p = x.shape
    total, k = np.zeros(p), np.zeros(p)
    for j in range(p):
        col = x[:, j]
        ok = ~np.isnan(col)
        k[j] = ok.sum()
        total[j] = col[ok].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(k > 0, total / k, 0.0)
    pn, s, ss, c = (np.zeros((p, p)) for _ in range(4))
    for a in range(0, n, chunk_rows):
        block = x[a:a + chunk_rows] - shift
        m = ~np.isnan(block)
        z = np.where(m, block, 0.0)
        mf = m.astype(float)
        pn += mf.T @ mf
        s += z.T @ mf
        ss += (z * z).T @ mf
        c += z.T @ z
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / pn
        m2 = np.maximum(ss - s * mean, 0.0)
        cross = c - s * mean.T
    return pn, m2, cross
