"""Split-half reliability: Spearman-Brown of fixed halves and Guttman's lambda 4 over all splits
(psych::splitHalf conventions). Re-exported by :mod:`engagesurvey.reliability`."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import ceil, comb

import numpy as np
import pandas as pd

from ._prep import item_frame, reverse_items
from ._results import ResultMixin
from .errors import EngageSurveyError
from .reliability import _cov2cor, _pairwise_moments, _smc


@dataclass
class SplitHalfResult(ResultMixin):
    """Split-half reliabilities (psych::splitHalf) plus the first/second and odd/even splits.

    ``lambda4_max`` / ``lambda4_min`` / ``mean_split``: max, min and mean over the splits of the
    split-half (Flanagan-Rulon / Guttman) coefficient 4 cov(A, B) / var(A + B) (psych's maxrb, minrb,
    meanr); ``best_split`` / ``worst_split``: the halves; ``ci``: quantiles of the split values;
    ``alpha``, ``lambda2``, ``lambda6``, ``average_r``, ``median_r``; ``r_first_second`` and
    ``spearman_brown_first_second`` (2r/(1+r)) and ``guttman_first_second`` (first k//2 items vs the
    rest), the same for ``*_odd_even``; ``n_splits``; ``exhaustive`` (all splits or a random sample).
    """

    lambda4_max: float
    lambda4_min: float
    mean_split: float
    alpha: float
    lambda2: float
    lambda6: float
    average_r: float
    median_r: float
    ci: tuple
    r_first_second: float
    spearman_brown_first_second: float
    guttman_first_second: float
    r_odd_even: float
    spearman_brown_odd_even: float
    guttman_odd_even: float
    best_split: tuple
    worst_split: tuple
    n_splits: int
    exhaustive: bool

    def summary(self) -> str:
        f = lambda v: f"{v:.2f}"
        return "\n".join([
            "Split half reliabilities",
            f"Maximum split half reliability (lambda 4) = {f(self.lambda4_max)}",
            f"Guttman lambda 6                          = {f(self.lambda6)}",
            f"Average split half reliability            = {f(self.mean_split)}",
            f"Guttman lambda 3 (alpha)                  = {f(self.alpha)}",
            f"Guttman lambda 2                          = {f(self.lambda2)}",
            f"Minimum split half reliability  (beta)    = {f(self.lambda4_min)}",
            f"Average interitem r = {f(self.average_r)}  with median = {f(self.median_r)}",
            (f"Spearman-Brown: first/second half = {f(self.spearman_brown_first_second)}, "
             f"odd/even = {f(self.spearman_brown_odd_even)}"),
            f"{self.n_splits} splits ({'all' if self.exhaustive else 'random sample'})"])

    def to_frame(self) -> pd.DataFrame:
        keys = ["lambda4_max", "lambda4_min", "mean_split", "alpha", "lambda2", "lambda6", "average_r",
                "median_r", "spearman_brown_first_second", "spearman_brown_odd_even"]
        return pd.DataFrame({"value": [getattr(self, k) for k in keys]}, index=keys)


def _split_stats(A: np.ndarray, r: np.ndarray):
    """For indicator rows A (splits x items; 1 = half A): Guttman split coefficient and half correlation."""
    B = 1.0 - A
    rA = A @ r
    r11 = (rA * A).sum(axis=1)
    r12 = (rA * B).sum(axis=1)
    r22 = ((B @ r) * B).sum(axis=1)
    return 4 * r12 / r.sum(), r12 / np.sqrt(r11 * r22)


def split_half(items, *, reverse=(), scale=None, covar: bool = False, missing: str = "pairwise",
               ci: float = 0.95, n_sample: int = 10000, seed=None) -> SplitHalfResult:
    """All split-half reliabilities (psych::splitHalf), vectorised over the splits.

    For each split of the k items into halves A (k//2 items) and B, the coefficient
    :math:`4\\,\\mathbf a' R \\mathbf b / \\mathbf 1' R \\mathbf 1` (Guttman's lambda 4) on the
    correlation matrix (``covar=True``: covariances). Splits are enumerated as psych does — half A
    runs through the first round(choose(k, k//2))/2 subsets in lexicographic order (all distinct
    splits for even k; for odd k psych's quirk of covering only that first half is kept, and the mean
    divides by that count) — when that count is at most ``n_sample``; otherwise ``n_sample`` random
    splits (seeded; R's random stream is not reproduced). Items are reverse-keyed by ``reverse``
    (psych's check.keys is not used). Also reports Spearman-Brown 2r/(1+r) for the first/second
    half and the odd/even split. Reference: Guttman (1945); Revelle & Zinbarg (2009).
    Checked against ``psych::splitHalf(raw = TRUE, check.keys = FALSE)`` (psych 2.2.9).
    """
    if missing not in ("pairwise", "listwise"):
        raise EngageSurveyError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    frame = reverse_items(item_frame(items, min_items=2), reverse, scale)
    names = list(frame.columns)
    X = frame.to_numpy()
    if missing == "listwise":
        X = X[~np.isnan(X).any(axis=1)]
        if X.shape[0] < 2:
            raise EngageSurveyError("listwise deletion leaves fewer than 2 complete rows")
    C, N = _pairwise_moments(X)
    if (N < 2).any():
        i, j = np.argwhere(N < 2)[0]
        raise EngageSurveyError(f"items {names[i]!r} and {names[j]!r} are observed together in fewer than 2 rows")
    r = C if covar else _cov2cor(C)
    k = r.shape[0]
    m = k // 2
    off = r[np.tril_indices(k, -1)]
    sumr = r.sum()
    sum_off = sumr - np.trace(r)
    smc = _smc(_cov2cor(r)) * (np.diag(r) if covar else 1.0)
    count = round(comb(k, m)) / 2
    exhaustive = count <= n_sample
    if exhaustive:
        n_take = ceil(count)
        flat = np.fromiter((i for c in combinations(range(k), m) for i in c), dtype=np.intp,
                           count=comb(k, m) * m)[: n_take * m]
        idx = flat.reshape(n_take, m)
    else:
        rng = np.random.default_rng(seed)
        idx = np.argsort(rng.random((n_sample, k)), axis=1)[:, :m]
    A = np.zeros((idx.shape[0], k))
    np.put_along_axis(A, idx, 1.0, axis=1)
    rab, _ = _split_stats(A, r)
    mean_split = rab.sum() / (count if exhaustive else n_sample)
    fs = np.zeros((2, k))
    fs[0, :m] = 1.0
    fs[1, ::2] = 1.0
    g, rh = _split_stats(fs, r)
    best, worst = int(np.argmax(rab)), int(np.argmin(rab))
    half = lambda row: (tuple(n for n, a in zip(names, A[row]) if a), tuple(n for n, a in zip(names, A[row]) if not a))
    q = np.quantile(rab, [(1 - ci) / 2, (1 + ci) / 2])
    return SplitHalfResult(
        lambda4_max=float(rab[best]), lambda4_min=float(rab[worst]), mean_split=float(mean_split),
        alpha=float(sum_off / sumr * k / (k - 1)), lambda2=float((sum_off + np.sqrt((off**2).sum() * 2 * k / (k - 1))) / sumr),
        lambda6=float((sum_off + smc.sum()) / sumr), average_r=float(off.mean()), median_r=float(np.median(off)),
        ci=(float(q[0]), float(q[1])), r_first_second=float(rh[0]), spearman_brown_first_second=float(2 * rh[0] / (1 + rh[0])),
        guttman_first_second=float(g[0]), r_odd_even=float(rh[1]), spearman_brown_odd_even=float(2 * rh[1] / (1 + rh[1])),
        guttman_odd_even=float(g[1]), best_split=half(best), worst_split=half(worst), n_splits=int(idx.shape[0]),
        exhaustive=bool(exhaustive))


