"""Batched bootstrap for linear path models: every draw at once, no Python loop over draws.

A bootstrap resample is a vector of counts ``w`` (how often each row, or each cluster, was drawn). All
regressions of a path model are functions of the weighted cross-product matrix ``M = Z' diag(w) Z`` of
the stacked columns ``Z = [1, x, m..., y, covariates]``. With ``P`` the n x q(q+1)/2 matrix of column
products, the moments of B draws are one matrix product ``W @ P`` (W: B x n counts), and the
coefficients of every equation follow from batched ``np.linalg.solve`` on sub-blocks of M. The same
code gives the point estimates (w = 1), the jackknife (M - z_i z_i') used by BCa, and cluster resamples
(counts of clusters times per-cluster moment sums).

Confidence intervals: ``percentile`` interpolates order statistics on the normal scale as
``boot:::norm.inter`` does (lavaan's ``boot.ci.type = "perc"``); ``bca`` is Efron's (1987)
bias-corrected and accelerated interval with jackknife acceleration (as ``boot::boot.ci(type="bca")``
with jackknife influence values), read off with the same interpolation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats

BLOCK_CELLS = 500_000  # draws per block = BLOCK_CELLS // units: bounds memory and stays cache-friendly


def _tri(q: int):
    return np.triu_indices(q)


def moments_from_weights(P: np.ndarray, W: np.ndarray, q: int) -> np.ndarray:
    """(B, q, q) symmetric moment matrices from weights W (B x rows) and products P (rows x q(q+1)/2)."""
    flat = W @ P
    iu, ju = _tri(q)
    M = np.empty((W.shape[0], q, q))
    M[:, iu, ju] = flat
    M[:, ju, iu] = flat
    return M


def products(Z: np.ndarray) -> np.ndarray:
    iu, ju = _tri(Z.shape[1])
    return Z[:, iu] * Z[:, ju]


def draw_counts(rng: np.random.Generator, n_units: int, size: int) -> np.ndarray:
    """Counts (size x n_units) of a simple bootstrap resample of ``n_units`` units (rows or clusters)."""
    small = np.uint16 if n_units <= np.iinfo(np.uint16).max else np.int64
    idx = rng.integers(0, n_units, size=(size, n_units), dtype=small).astype(np.intp)
    idx += (np.arange(size) * n_units)[:, None]
    return np.bincount(idx.ravel(), minlength=size * n_units).reshape(size, n_units).astype(float)


def boot_moments(Z: np.ndarray, n_boot: int, rng: np.random.Generator, cluster_codes=None,
                 counts: np.ndarray | None = None) -> np.ndarray:
    """Bootstrap moment matrices (n_boot, q, q) of the columns of Z.

    ``cluster_codes`` (ints 0..G-1 per row) resamples whole clusters. ``counts`` (B x units) replaces the
    random draws (used by the tests to replay R's resamples).
    """
    q = Z.shape[1]
    P = products(Z)
    if cluster_codes is not None:
        G = int(cluster_codes.max()) + 1
        Pu = np.zeros((G, P.shape[1]))
        np.add.at(Pu, cluster_codes, P)
        units = G
    else:
        Pu = P
        units = Z.shape[0]
    if counts is not None:
        return moments_from_weights(Pu, np.asarray(counts, dtype=float), q)
    out = np.empty((n_boot, q, q))
    block = max(1, BLOCK_CELLS // units)
    for start in range(0, n_boot, block):  # blocks of draws bound memory; each block is one matmul
        size = min(block, n_boot - start)
        out[start:start + size] = moments_from_weights(Pu, draw_counts(rng, units, size), q)
    return out


def full_moments(Z: np.ndarray) -> np.ndarray:
    return (Z.T @ Z)[None]


def jackknife_moments(Z: np.ndarray, cluster_codes=None) -> np.ndarray:
    """Leave-one-out (row, or cluster) moment matrices."""
    q = Z.shape[1]
    full = Z.T @ Z
    P = products(Z)
    if cluster_codes is not None:
        G = int(cluster_codes.max()) + 1
        Pu = np.zeros((G, P.shape[1]))
        np.add.at(Pu, cluster_codes, P)
    else:
        Pu = P
    iu, ju = _tri(q)
    M = np.empty((Pu.shape[0], q, q))
    M[:, iu, ju] = full[iu, ju][None, :] - Pu
    M[:, ju, iu] = M[:, iu, ju]
    return M


def solve_eq(M: np.ndarray, xcols: Sequence[int], ycol: int) -> np.ndarray:
    """Coefficients (B, len(xcols)) of regressing column ycol on xcols, from moment matrices M."""
    xc = np.asarray(xcols)
    A = M[:, xc[:, None], xc[None, :]]
    b = M[:, xc, ycol]
    return np.linalg.solve(A, b[..., None])[..., 0]


def sds_from_moments(M: np.ndarray) -> np.ndarray:
    """Sample SDs (n - 1 denominator) of every column, per draw; column 0 must be the constant 1."""
    n = M[:, 0, 0]
    s = M[:, 0, :]
    diag = np.diagonal(M, axis1=1, axis2=2)
    var = (diag - s**2 / n[:, None]) / (n[:, None] - 1)
    return np.sqrt(np.maximum(var, 0.0))


def norm_inter(t: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Order-statistic interpolation on the normal scale (``boot:::norm.inter``), column-wise.

    t: (B, k) draws; alpha: (k, a) or (a,) probabilities. Returns (k, a).
    """
    t = np.sort(np.asarray(t, dtype=float), axis=0)
    B, k = t.shape
    alpha = np.asarray(alpha, dtype=float)
    if alpha.ndim == 1:
        alpha = np.tile(alpha, (k, 1))
    rk = (B + 1) * alpha
    kk = np.trunc(rk).astype(int)
    cols = np.arange(k)[:, None]
    lo = np.clip(kk, 1, B) - 1
    hi = np.clip(kk + 1, 1, B) - 1
    tk, tk1 = t[lo, cols], t[hi, cols]
    with np.errstate(invalid="ignore", divide="ignore"):
        z1 = stats.norm.ppf(alpha)
        z2 = stats.norm.ppf(kk / (B + 1))
        z3 = stats.norm.ppf((kk + 1) / (B + 1))
        interp = tk + (z1 - z2) / (z3 - z2) * (tk1 - tk)
    out = np.where(kk == rk, tk, interp)
    out = np.where(kk <= 0, t[0][:, None], out)
    out = np.where(kk >= B, t[-1][:, None], out)
    return out


def percentile_ci(t: np.ndarray, level: float) -> np.ndarray:
    a = (1 - level) / 2
    return norm_inter(t, np.array([a, 1 - a]))


def bca_ci(t: np.ndarray, t0: np.ndarray, jack: np.ndarray, level: float) -> np.ndarray:
    """BCa intervals (k, 2): z0 = qnorm(share of draws below the estimate), jackknife acceleration."""
    B = t.shape[0]
    z0 = stats.norm.ppf(np.sum(t < t0[None, :], axis=0) / B)
    L = jack.mean(axis=0)[None, :] - jack
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.sum(L**3, axis=0) / (6 * np.sum(L**2, axis=0) ** 1.5)
    acc = np.where(np.isfinite(acc), acc, 0.0)
    a = (1 - level) / 2
    za = stats.norm.ppf(np.array([a, 1 - a]))[None, :]
    adj = stats.norm.cdf(z0[:, None] + (z0[:, None] + za) / (1 - acc[:, None] * (z0[:, None] + za)))
    adj = np.where(np.isfinite(adj), adj, np.array([a, 1 - a])[None, :])
    return norm_inter(t, adj)


def run(Z: np.ndarray, effects: Callable[[np.ndarray], dict], *, n_boot: int, level: float, method: str,
        rng: np.random.Generator, cluster_codes=None, counts=None):
    """Point estimates, bootstrap draws, SDs and CIs of ``effects(M) -> {name: (B,) array}``.

    Z is centred (except its constant first column) for conditioning; slopes do not change.
    """
    Zc = Z.copy()
    Zc[:, 1:] -= Z[:, 1:].mean(axis=0)
    est = effects(full_moments(Zc))
    names = list(est)
    t0 = np.array([est[k][0] for k in names])
    Mb = boot_moments(Zc, n_boot, rng, cluster_codes, counts)
    draws_d = effects(Mb)
    draws = np.column_stack([draws_d[k] for k in names])
    se = np.nanstd(draws, axis=0, ddof=1)
    if method == "bca":
        jd = effects(jackknife_moments(Zc, cluster_codes))
        jack = np.column_stack([jd[k] for k in names])
        ci = bca_ci(draws, t0, jack, level)
    else:
        ci = percentile_ci(draws, level)
    return names, t0, draws, se, ci
