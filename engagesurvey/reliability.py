"""Reliability: Cronbach's alpha family, split-half, ordinal alpha (psych 2.2.9 conventions).

Polychoric/tetrachoric correlations live in :mod:`engagesurvey.polychoric` and are re-exported here.
``omega``, ``ordinal_omega``, ``composite`` and ``htmt`` delegate to the modules that implement them.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import fdtri, ndtri

from ._prep import item_array, item_frame, reverse_array, reverse_items
from ._results import ResultMixin
from .errors import EngageSurveyError
from .polychoric import PolychoricResult, polychoric, tetrachoric

__all__ = [
    "AlphaResult",
    "PolychoricResult",
    "SplitHalfResult",
    "alpha",
    "composite",
    "htmt",
    "omega",
    "ordinal_alpha",
    "ordinal_omega",
    "polychoric",
    "split_half",
    "tetrachoric",
]

_SQRT_EPS = np.sqrt(np.finfo(float).eps)


# --------------------------------------------------------------------------- matrix helpers
def _cov2cor(C: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diagonal(C, axis1=-2, axis2=-1))
    return C / (sd[..., :, None] * sd[..., None, :])


def _smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, 1 - 1/diag(R^-1) (psych::smc: pseudo-inverse, clipped to [0, 1]).

    Works on a stack (..., q, q)."""
    w, V = np.linalg.eigh(R)  # pseudo-inverse diagonal from the eigen decomposition (R is symmetric)
    aw = np.abs(w)
    keep = aw > _SQRT_EPS * aw.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        inv_w = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
    diag_inv = np.einsum("...ik,...k->...i", V * V, inv_w)
    with np.errstate(divide="ignore"):
        return np.clip(1.0 - 1.0 / diag_inv, 0.0, 1.0)


def _chunked_matmul(W: np.ndarray, design, max_cells: int = 20_000_000) -> np.ndarray:
    """W @ design(all rows), building the row-wise design in blocks of rows to bound memory."""
    n = W.shape[1]
    width = design(np.arange(1)).shape[1]
    step = max(1, max_cells // width)
    out = None
    for start in range(0, n, step):  # blocks of rows (one block for typical surveys), not single rows
        rows = np.arange(start, min(n, start + step))
        part = W[:, rows] @ design(rows)
        out = part if out is None else out + part
    return out


def _pairwise_moments(X: np.ndarray, W: np.ndarray | None = None):
    """Pairwise-complete covariance (n-1 denominator, as R's cov(use="pairwise")) and counts.

    With ``W`` (draws x rows of resampling counts) it returns the covariance of every resample at once:
    one matmul of the weights with the row-wise cross products (rows x p(p+1)/2 for complete data,
    rows x 3p^2 with missing values; built in row blocks when large).
    """
    p = X.shape[1]
    M = ~np.isnan(X)
    X0 = np.where(M, X, 0.0)
    Mf = M.astype(float)
    if W is None:
        Z = np.concatenate([Mf, X0], axis=1)
        ZZ = Z.T @ Z
        N, S, SS = ZZ[:p, :p], ZZ[p:, :p], ZZ[p:, p:]  # S[j, k] = sum of x_j where j and k are observed
    elif M.all():  # complete data: counts are the row weights, one design block of products
        iu = np.triu_indices(p)
        out = _chunked_matmul(W, lambda rows: np.concatenate(
            [np.ones((len(rows), 1)), X[rows], X[rows][:, iu[0]] * X[rows][:, iu[1]]], axis=1))
        B = W.shape[0]
        N = np.broadcast_to(out[:, :1, None], (B, p, p))
        S = np.broadcast_to(out[:, 1:p + 1, None], (B, p, p))
        SS = np.empty((B, p, p))
        SS[:, iu[0], iu[1]] = out[:, p + 1:]
        SS[:, iu[1], iu[0]] = out[:, p + 1:]
    else:
        def design(rows):
            m, x = Mf[rows], X0[rows]
            return np.concatenate([(m[:, :, None] * m[:, None, :]).reshape(len(rows), p * p),
                                   (x[:, :, None] * m[:, None, :]).reshape(len(rows), p * p),
                                   (x[:, :, None] * x[:, None, :]).reshape(len(rows), p * p)], axis=1)
        out = _chunked_matmul(W, design).reshape(W.shape[0], 3, p, p)
        N, S, SS = out[:, 0], out[:, 1], out[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (SS - S * np.swapaxes(S, -1, -2) / N) / (N - 1)
    return C, N


@lru_cache(maxsize=64)
def _index_sets(p: int):
    """Cached index arrays: lower-triangle pairs, and for each item the other items (for alpha-if-deleted)."""
    keep = np.array([[j for j in range(p) if j != i] for i in range(p)], dtype=np.intp).reshape(p, p - 1)
    return np.tril_indices(p, -1), keep


def _alpha_core(C: np.ndarray, R: np.ndarray, smc: np.ndarray) -> dict:
    """psych's alpha.1 for a stack of covariance matrices C (..., q, q) with R = cov2cor(C), smc(R).

    Returns arrays: raw_alpha, std_alpha, g6, average_r, signal_noise, Q, var_r, median_r.
    """
    q = C.shape[-1]
    trC = np.trace(C, axis1=-2, axis2=-1)
    sumC, sumR = C.sum(axis=(-2, -1)), R.sum(axis=(-2, -1))
    off = np.sort(R[..., *_index_sets(q)[0]], axis=-1)
    m = off.shape[-1]
    av_r = (sumR - q) / (q * (q - 1))
    CC = C @ C
    Q = (2 * q**2 / ((q - 1) ** 2 * sumC**3)) * (
        sumC * (np.trace(CC, axis1=-2, axis2=-1) + trC**2) - 2 * (trC * CC.sum(axis=(-2, -1))))
    if m > 1:
        var_r = ((off - off.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1) / (m - 1)
    else:
        var_r = np.full(off.shape[:-1], np.nan)
    return {
        "raw_alpha": (1 - trC / sumC) * q / (q - 1),
        "std_alpha": (1 - q / sumR) * q / (q - 1),
        "g6": 1 - (q - smc.sum(axis=-1)) / sumR,
        "average_r": av_r,
        "signal_noise": q * av_r / (1 - av_r),
        "Q": Q,
        "var_r": var_r,
        "median_r": (off[..., (m - 1) // 2] + off[..., m // 2]) / 2,
    }


def _alpha_from_cov(cov, n: int) -> dict:
    """The covariance-only part of psych::alpha: totals and the alpha-if-item-deleted statistics.

    ``cov``: a p x p covariance (or correlation) matrix, array or DataFrame; ``n``: the number of rows
    for the asymptotic standard errors (psych uses all rows passed). Returns a dict with the totals of
    :func:`_alpha_core` (floats) plus ``ase`` = sqrt(Q / n), the item arrays ``std_r``, ``r_cor``,
    ``r_drop``, ``items`` (names) and ``drop`` (dict of arrays, one entry per deleted item: raw_alpha
    std_alpha g6 average_r signal_noise alpha_se var_r median_r). A Moments object can feed this.
    """
    names = list(cov.columns) if isinstance(cov, pd.DataFrame) else [f"V{i + 1}" for i in range(len(cov))]
    C = np.asarray(cov, dtype=float)
    p = C.shape[0]
    R = _cov2cor(C)
    smc = _smc(R)
    out = {k: float(v) for k, v in _alpha_core(C, R, smc).items()}
    out["ase"] = float(np.sqrt(out["Q"] / n))
    out["items"] = names
    if p > 2:
        keep = _index_sets(p)[1]
        Rs = R[keep[:, :, None], keep[:, None, :]]
        drop = _alpha_core(C[keep[:, :, None], keep[:, None, :]], Rs, _smc(Rs))
        drop["alpha_se"] = np.sqrt(drop["Q"] / n) if n > p else np.full(p, np.nan)
    else:  # psych's special case for two items
        r12 = R[0, 1]
        drop = {"raw_alpha": np.array([C[0, 1] / C[1, 1], C[0, 1] / C[0, 0]]), "std_alpha": r12,
                "g6": smc[0], "average_r": r12, "signal_noise": r12 / (1 - r12), "alpha_se": np.nan,
                "var_r": 0.0, "median_r": r12}
        drop = {k: np.broadcast_to(np.asarray(v, dtype=float), (2,)) for k, v in drop.items()}
    out["drop"] = drop
    colsum = C.sum(axis=0)
    out["std_r"] = R.sum(axis=0) / np.sqrt(R.sum())
    RC = R.copy()
    np.fill_diagonal(RC, smc)
    dg = np.diag(C)
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN when the sums are not positive
        out["r_cor"] = RC.sum(axis=0) / np.sqrt(RC.sum())
        out["r_drop"] = (colsum - dg) / np.sqrt(dg * (C.sum() - 2 * colsum + dg))
    return out


# --------------------------------------------------------------------------- alpha
@dataclass
class AlphaResult(ResultMixin):
    """Cronbach's alpha and friends, laid out as psych::alpha.

    Scalars: ``alpha`` (raw), ``std_alpha`` (from the correlation matrix), ``g6`` (Guttman's lambda 6,
    smc-based), ``average_r``, ``signal_noise``, ``median_r``, ``var_r``, ``ase`` (asymptotic SE,
    psych's Q), ``mean``/``sd`` (of the mean score), ``n`` (rows used), ``n_ci`` (rows behind the
    Feldt CI and ``ase``: all rows passed, as psych), ``ci`` (lower, upper), ``ci_level``, ``ci_method``.
    ``item_stats`` (index = item): ``n`` (non-missing, a float as in psych), ``raw_r`` (item-total r),
    ``std_r``, ``r_cor`` (smc-corrected), ``r_drop`` (item-rest r), ``mean``, ``sd``, then psych's
    alpha.drop as ``alpha_if_deleted``, ``std_alpha_if_deleted``, ``g6_if_deleted``,
    ``average_r_if_deleted``, ``signal_noise_if_deleted``, ``alpha_se_if_deleted``,
    ``var_r_if_deleted``, ``med_r_if_deleted``.
    """

    alpha: float
    std_alpha: float
    g6: float
    average_r: float
    signal_noise: float
    median_r: float
    var_r: float
    ase: float
    mean: float
    sd: float
    n: int
    n_ci: int
    ci: tuple
    ci_level: float
    ci_method: str
    missing: str
    item_stats: pd.DataFrame
    reversed: tuple = field(default_factory=tuple)

    def summary(self) -> str:
        tot = pd.DataFrame([{"raw_alpha": self.alpha, "std.alpha": self.std_alpha, "G6(smc)": self.g6,
                             "average_r": self.average_r, "S/N": self.signal_noise, "ase": self.ase,
                             "mean": self.mean, "sd": self.sd, "median_r": self.median_r}], index=[""])
        lab = {"feldt": "Feldt", "duhachek": "Duhachek", "bootstrap": "bootstrapped"}[self.ci_method]
        ci = pd.DataFrame([[self.ci[0], self.alpha, self.ci[1]]], index=[lab], columns=["lower", "alpha", "upper"])
        s = self.item_stats
        drop = s[["alpha_if_deleted", "std_alpha_if_deleted", "g6_if_deleted", "average_r_if_deleted",
                  "signal_noise_if_deleted", "alpha_se_if_deleted", "var_r_if_deleted", "med_r_if_deleted"]]
        drop.columns = ["raw_alpha", "std.alpha", "G6(smc)", "average_r", "S/N", "alpha se", "var.r", "med.r"]
        items = s[["n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"]]
        items.columns = ["n", "raw.r", "std.r", "r.cor", "r.drop", "mean", "sd"]
        items = items.round(2).astype({"n": int})
        rev = f"  (reversed: {', '.join(self.reversed)})" if self.reversed else ""
        return "\n".join([
            f"Reliability analysis{rev}   missing = {self.missing}, n = {self.n}", "",
            tot.round(2).to_string(), "", f"    {self.ci_level:.0%} confidence boundaries",
            ci.round(2).to_string(), "", " Reliability if an item is dropped:", drop.round(2).to_string(), "",
            " Item statistics", items.to_string()])

    def to_frame(self) -> pd.DataFrame:
        return self.item_stats.copy()


def _feldt_ci(a: float, n: int, k: int, level: float) -> tuple:
    """psych::alpha.ci (Feldt, Woodruff & Salih 1987): 1 - (1 - alpha) * F quantiles."""
    pv = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (float(1 - (1 - a) * fdtri(df1, df2, 1 - pv / 2)), float(1 - (1 - a) * fdtri(df1, df2, pv / 2)))


def _boot_alphas(X: np.ndarray, n_boot: int, seed) -> np.ndarray:
    """Raw alpha of ``n_boot`` resamples of the rows of X, all at once (pairwise covariances)."""
    rng = np.random.default_rng(seed)
    n, p = X.shape
    per_block = max(1, 20_000_000 // n)  # all draws at once unless n_boot x n is huge (same stream)
    out = []
    for start in range(0, n_boot, per_block):
        b = min(per_block, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        W = np.bincount((idx + n * np.arange(b)[:, None]).ravel(), minlength=b * n).reshape(b, n)
        C, _ = _pairwise_moments(X, W.astype(float))
        tr = np.trace(C, axis1=1, axis2=2)
        out.append((1 - tr / C.sum(axis=(1, 2))) * p / (p - 1))
    return np.concatenate(out)


def alpha(items, *, reverse=(), scale=None, missing: str = "pairwise", ci: float = 0.95,
          ci_method: str = "feldt", n_boot: int = 1000, seed=None) -> AlphaResult:
    """Cronbach's alpha, standardised alpha, Guttman's lambda 6 and item statistics (psych::alpha).

    .. math:: \\alpha = \\frac{k}{k-1}\\Big(1 - \\frac{\\operatorname{tr} C}{\\mathbf 1' C \\mathbf 1}\\Big),
       \\quad \\alpha_{std} = \\frac{k}{k-1}\\Big(1 - \\frac{k}{\\mathbf 1' R \\mathbf 1}\\Big),
       \\quad \\lambda_6 = 1 - \\frac{k - \\sum_j \\mathrm{smc}_j}{\\mathbf 1' R \\mathbf 1}

    ``reverse`` names items to reverse as min + max - x (``scale=(min, max)``, else min/max over all
    cells, as psych). ``missing="pairwise"`` (psych's default ``use``) takes C from pairwise-complete
    covariances and R = cov2cor(C); ``"listwise"`` is psych's ``use="complete.obs"`` — as in psych
    this changes C and the item-total correlations only: item means/SDs and the mean score still use
    all available values. ``n`` is the rows used (any item observed, or complete rows); the Feldt CI
    and ``ase`` use all rows passed, as psych does. CIs: ``"feldt"`` (psych::alpha.ci), ``"duhachek"``
    (alpha ± z·ase with psych's ase = sqrt(Q/n), Duhachek & Iacobucci 2004; psych prints it with
    z = 1.96, here z is the exact normal quantile) or ``"bootstrap"`` (percentile CI of ``n_boot``
    resamples of the rows used, seeded by ``seed`` with a numpy Generator; every resample's covariance
    comes from one weighted matmul, no loop over draws; psych's own ``n.iter`` bootstrap uses R's RNG,
    so only Monte Carlo agreement is possible).

    ``items`` may be a Moments object (:class:`engagesurvey.moments.Moments`): every statistic then comes
    from its complete rows' covariance, means and ``n``, and equals ``alpha(df.dropna(),
    missing="listwise")`` — including the Feldt CI, whose n is the complete rows (psych's n of all rows
    passed is not kept in the moments). ``reverse`` needs ``scale`` there; ``"bootstrap"`` is not
    available; a warning says so when the default ``missing="pairwise"`` meets a Moments with incomplete
    rows.

    Warns, naming the items, when alpha is negative or items load negatively on the first principal
    component (psych's "probably should be reversed").

    References: Cronbach (1951), Psychometrika 16, 297-334; Guttman (1945); Feldt, Woodruff & Salih
    (1987), APM 11, 93-103; Duhachek & Iacobucci (2004), J. Appl. Psych. 89, 792-808.
    Checked against ``psych::alpha`` and ``psych::alpha.ci`` (psych 2.2.9).
    """
    if missing not in ("pairwise", "listwise"):
        raise EngageSurveyError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    if ci_method not in ("feldt", "duhachek", "bootstrap"):
        raise EngageSurveyError(f"ci_method must be 'feldt', 'duhachek' or 'bootstrap', got {ci_method!r}")
    if not 0 < ci < 1:
        raise EngageSurveyError(f"ci must be a level between 0 and 1, got {ci!r}")
    if _is_moments(items):
        return _alpha_moments(items, reverse, scale, missing, ci, ci_method)
    names, X = item_array(items)
    X = reverse_array(X, names, reverse, scale)
    n_all, p = X.shape
    obs = ~np.isnan(X)
    X0 = np.where(obs, X, 0.0)
    Mf = obs.astype(float)
    ones = np.ones(p)
    row_n = Mf @ ones
    complete = row_n == p
    anyobs = row_n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        total = (X0 @ ones) / row_n  # rowMeans(na.rm = TRUE); NaN if all missing
    t0 = np.where(anyobs, total, 0.0)
    # every raw moment needed (pairwise covariances, item means/SDs, cor(total, x)) from one matmul;
    # an observed item implies an observed total, so the item blocks double as the total's pairs
    Z = np.column_stack([Mf, X0, t0, t0 * t0])
    ZZ = Z.T @ Z
    iM, iX, iT, iTT = slice(0, p), slice(p, 2 * p), 2 * p, 2 * p + 1
    n_item = np.diag(ZZ[iM, iM]).copy()
    item_sum, item_ss = np.diag(ZZ[iX, iM]).copy(), np.diag(ZZ[iX, iX]).copy()
    item_mean = item_sum / n_item
    item_sd = np.sqrt((item_ss - item_sum * item_mean) / (n_item - 1))
    if missing == "listwise":
        n_used = int(complete.sum())
        if n_used < 2:
            raise EngageSurveyError(f"listwise deletion leaves {n_used} complete rows; alpha needs at least 2")
        Xc = X[complete]
        C = np.cov(Xc, rowvar=False)
        raw_r = np.corrcoef(np.column_stack([total[complete], Xc]), rowvar=False)[0, 1:]
    else:
        n_used = int(anyobs.sum())
        N, S = ZZ[iM, iM], ZZ[iX, iM]
        if (N < 2).any():
            i, j = np.argwhere(N < 2)[0]
            raise EngageSurveyError(f"items {names[i]!r} and {names[j]!r} are observed together in fewer "
                                    "than 2 rows; no pairwise covariance")
        C = (ZZ[iX, iX] - S * S.T / N) / (N - 1)  # R's cov(use = "pairwise")
        st, stt, stx = ZZ[iT, iM], ZZ[iTT, iM], ZZ[iT, iX]
        raw_r = (stx - st * item_mean) / np.sqrt((stt - st * st / n_item) * (item_ss - item_sum * item_mean))
    valid = total[~np.isnan(total)]

    def boot(n_boot, seed):
        return _boot_alphas(X[complete] if missing == "listwise" else X[anyobs], n_boot, seed)

    return _alpha_finish(names, C, n_used, n_all, n_item, raw_r, item_mean, item_sd, float(valid.mean()),
                         float(valid.std(ddof=1)), reverse, missing, ci, ci_method, n_boot, seed, boot)


def _alpha_finish(names, C, n_used, n_all, n_item, raw_r, item_mean, item_sd, score_mean, score_sd, reverse,
                  missing, ci, ci_method, n_boot, seed, boot) -> AlphaResult:
    """The covariance part of :func:`alpha`, its warnings, CI and result (raw data or Moments)."""
    p = len(names)
    if n_used < p:
        warnings.warn(f"fewer rows used ({n_used}) than items ({p}): alpha and its standard errors are "
                      "unstable", stacklevel=3)
    core = _alpha_from_cov(C, n_all)
    R = _cov2cor(C)
    _, vecs = np.linalg.eigh(R)
    load = vecs[:, -1] * (1 if vecs[:, -1].sum() >= 0 else -1)
    neg = [nm for nm, l in zip(names, load) if l < 0]
    if neg:
        warnings.warn(f"Some items ({', '.join(neg)}) were negatively correlated with the total scale and "
                      f"probably should be reversed: pass reverse={neg!r}", stacklevel=3)
    if core["raw_alpha"] < 0:
        warnings.warn(f"alpha is negative ({core['raw_alpha']:.3f}); items probably need reversing"
                      + (f": {', '.join(neg)}" if neg else ""), stacklevel=3)
    drop = core["drop"]
    cols = {"n": n_item, "raw_r": raw_r, "std_r": core["std_r"], "r_cor": core["r_cor"], "r_drop": core["r_drop"],
            "mean": item_mean, "sd": item_sd, "alpha_if_deleted": drop["raw_alpha"],
            "std_alpha_if_deleted": drop["std_alpha"], "g6_if_deleted": drop["g6"],
            "average_r_if_deleted": drop["average_r"], "signal_noise_if_deleted": drop["signal_noise"],
            "alpha_se_if_deleted": drop["alpha_se"], "var_r_if_deleted": drop["var_r"],
            "med_r_if_deleted": drop["median_r"]}
    item_stats = pd.DataFrame(np.column_stack(list(cols.values())), columns=pd.Index(list(cols), dtype=object),
                              index=pd.Index(names, name="item", dtype=object))
    a = float(core["raw_alpha"])
    if ci_method == "feldt":
        bounds = _feldt_ci(a, n_all, p, ci)
    elif ci_method == "duhachek":
        z = ndtri((1 + ci) / 2)
        bounds = (a - z * core["ase"], a + z * core["ase"])
    else:
        if n_boot < 2:
            raise EngageSurveyError(f"n_boot must be at least 2, got {n_boot!r}")
        boots = boot(int(n_boot), seed)
        lo, hi = np.nanquantile(boots, [(1 - ci) / 2, (1 + ci) / 2])
        bounds = (lo, hi)
    return AlphaResult(
        alpha=a, std_alpha=float(core["std_alpha"]), g6=float(core["g6"]), average_r=float(core["average_r"]),
        signal_noise=float(core["signal_noise"]), median_r=float(core["median_r"]), var_r=float(core["var_r"]),
        ase=float(core["ase"]), mean=score_mean, sd=score_sd, n=n_used, n_ci=n_all,
        ci=(float(bounds[0]), float(bounds[1])), ci_level=float(ci), ci_method=ci_method, missing=missing,
        item_stats=item_stats, reversed=tuple(reverse or ()))


def _is_moments(obj) -> bool:
    """A Moments object (or anything with ``.cov``, ``.means`` and ``.n``), not a frame or array."""
    return not isinstance(obj, (pd.DataFrame, pd.Series, np.ndarray)) and all(
        hasattr(obj, a) for a in ("cov", "means", "n"))


def _alpha_moments(m, reverse, scale, missing, ci, ci_method) -> AlphaResult:
    """:func:`alpha` from a Moments object: the statistics of its ``n`` complete rows.

    Everything in psych::alpha is a function of the complete rows' covariance C, means and n: with
    t = 1'x / p, raw_r_i = (C 1)_i / sqrt(1'C1 C_ii), the score mean is mean(means) and its SD
    sqrt(1'C1) / p. The result equals ``alpha(df.dropna(), missing="listwise")``; ``n`` and the Feldt
    n are both the complete rows (psych's Feldt n counts all rows passed, which a Moments does not keep).
    """
    if ci_method == "bootstrap":
        raise EngageSurveyError("ci_method='bootstrap' needs the raw rows; a Moments object holds only means "
                                "and covariances: use ci_method='feldt' or 'duhachek'")
    names = list(m.cov.columns)
    C = m.cov.to_numpy(dtype=float)
    mu = m.means.reindex(names).to_numpy(dtype=float)
    n, p = int(m.n), len(names)
    if p < 2:
        raise EngageSurveyError(f"items need at least 2 columns, got {p}")
    if n < 2:
        raise EngageSurveyError(f"the Moments object has {n} complete rows; alpha needs at least 2")
    d = np.diag(C)
    flat = [str(nm) for nm, v in zip(names, d) if not np.isfinite(v) or v <= 0]
    if flat:
        raise EngageSurveyError(f"items with no variance (constant or empty): {', '.join(flat)}")
    pn = getattr(m, "pairwise_n", None)
    if missing == "pairwise" and pn is not None and (np.diag(pn.to_numpy()) > n).any():
        warnings.warn(f"alpha from a Moments object uses its {n} complete rows (listwise); pairwise-complete "
                      "alpha needs the raw data. Pass missing='listwise' to silence this", stacklevel=3)
    reverse = list(reverse or ())
    if reverse:
        unknown = [r for r in reverse if r not in names]
        if unknown:
            raise EngageSurveyError(f"reverse names items that are not columns: {', '.join(map(str, unknown))}")
        if scale is None:
            raise EngageSurveyError("reversing items of a Moments object needs scale=(min, max): the item "
                                    "range is not kept in the moments")
        rev = np.isin(names, reverse)
        s = np.where(rev, -1.0, 1.0)
        C = C * np.outer(s, s)
        mu = np.where(rev, scale[0] + scale[1] - mu, mu)
    total_var = C.sum()
    raw_r = C.sum(axis=0) / np.sqrt(total_var * d)
    return _alpha_finish(names, C, n, n, np.full(p, float(n)), raw_r, mu, np.sqrt(d), float(mu.mean()),
                         float(np.sqrt(total_var) / p), reverse, "listwise", ci, ci_method, 0, None, None)


# --------------------------------------------------------------------------- ordinal alpha
def ordinal_alpha(items, *, reverse=(), scale=None) -> float:
    """Ordinal alpha (Zumbo, Gadermann & Zeisser 2007): standardised alpha of the polychoric matrix.

    :math:`\\alpha_{ord} = \\frac{k}{k-1}(1 - k / \\mathbf 1' \\hat\\rho \\mathbf 1)` with
    :math:`\\hat\\rho` from :func:`polychoric` of the (reverse-keyed) items. Checked against
    ``psych::alpha(psych::polychoric(x)$rho)`` (psych 2.2.9).
    """
    frame = reverse_items(item_frame(items), reverse, scale)
    R = polychoric(frame).rho.to_numpy()
    k = R.shape[0]
    return float((1 - k / R.sum()) * k / (k - 1))


# --------------------------------------------------------------------------- delegating wrappers

def omega(items, *, n_factors=3, reverse=(), scale=None, **kwargs):
    """McDonald's omega (psych::omega); implemented in :mod:`engagesurvey.omega`.

    ``items`` may be a Moments object: omega of its complete rows' correlation matrix
    (``omega(None, cov=m.cov, n_obs=m.n)``), equal to omega of ``df.dropna()``.
    """
    from .omega import omega as _omega

    if _is_moments(items):
        if kwargs.get("cov") is not None:
            raise EngageSurveyError("give either a Moments object or cov, not both")
        kwargs.pop("cov", None)
        kwargs.setdefault("n_obs", items.n)
        return _omega(None, cov=items.cov, n_factors=n_factors, reverse=reverse, scale=scale, **kwargs)
    return _omega(items, n_factors=n_factors, reverse=reverse, scale=scale, **kwargs)


def ordinal_omega(items, *, n_factors=3, reverse=(), scale=None, **kwargs):
    """Ordinal omega: :func:`omega` on the polychoric correlation matrix of the (reverse-keyed) items.

    Delegates to ``engagesurvey.omega.omega(None, cov=rho, n_obs=n)`` (psych::omega on
    ``polychoric(x)$rho``)."""
    frame = reverse_items(item_frame(items), reverse, scale)
    try:
        _omega_mod = importlib.import_module(".omega", __package__)
    except ImportError as exc:
        raise EngageSurveyError("ordinal_omega needs engagesurvey.omega, which is not available") from exc
    pc = polychoric(frame)
    return _omega_mod.omega(None, cov=pc.rho, n_obs=pc.n, n_factors=n_factors, **kwargs)


def composite(sem_result):
    """Composite reliability and AVE per factor (semTools::compRelSEM); see engagesurvey.sem.reliability."""
    from .sem.reliability import composite as _c

    return _c(sem_result)


def htmt(data, model, *, kind="htmt2"):
    """Heterotrait-monotrait ratio (semTools::htmt); see engagesurvey.sem.reliability."""
    from .sem.reliability import htmt as _h

    return _h(data, model, kind=kind)


# Split-half lives in its own module (it needs the matrix helpers above, hence the import at the end).
from .split_half import SplitHalfResult, split_half  # noqa: E402
