"""Polychoric and tetrachoric correlations, vectorised over item pairs (psych 2.2.9 conventions).

The two-step estimator of Olsson (1979), as ``psych::polychoric``:

1. thresholds from the marginal proportions of each item, :math:`\\tau_{t} = \\Phi^{-1}(\\sum_{c \\le t} p_c)`;
2. for every pair of items, with the thresholds held fixed, the :math:`\\rho` that maximises the
   bivariate-normal likelihood of the pair's contingency table,
   :math:`\\ell(\\rho) = \\sum_{r,c} n_{rc} \\log P_{rc}(\\rho)`, where :math:`P_{rc}` is the bivariate
   normal probability of the rectangle :math:`[\\tau_{r-1}, \\tau_r) \\times [\\tau'_{c-1}, \\tau'_c)`.

Here every pair is solved at once: the rectangle probabilities of all pairs and cells come from one
vectorised bivariate normal CDF (Genz 2004, the Drezner-Wesolowsky method with Gauss-Legendre nodes,
accurate to ~1e-15), and the one-dimensional maximisation is R's ``optimize`` (Brent's ``fmin``,
tolerance ``.Machine$double.eps^0.25``) run on all pairs in lock step, so the stopping rule is R's.

References
----------
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
Psychometrika, 44, 443-460.
Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and t
probabilities. Statistics and Computing, 14, 251-260.
Checked against ``psych::polychoric`` and ``psych::tetrachoric`` (psych 2.2.9).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ._prep import item_frame
from ._results import ResultMixin
from .errors import EngageSurveyError

_R_TOL = np.finfo(float).eps ** 0.25  # R's optimize() default tolerance
_GL_T, _GL_W = np.polynomial.legendre.leggauss(20)
_GL_X = 1.0 + _GL_T  # Genz's nodes on [0, 2]
_TWO_PI = 2.0 * np.pi


# --------------------------------------------------------------------------- bivariate normal CDF
def _bvnu(h, k, r):
    """P(X > h, Y > k) for a standard bivariate normal with correlation r (Genz's BVNU), vectorised.

    ``h``, ``k`` and ``r`` are 1-D arrays of the same length with finite h, k and |r| < 1.
    """
    out = np.empty_like(h)
    small = np.abs(r) < 0.925
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if small.any():
            hs_, ks_, rs_ = h[small], k[small], r[small]
            hk = hs_ * ks_
            hs = (hs_ * hs_ + ks_ * ks_) / 2.0
            asr = np.arcsin(rs_) / 2.0
            sn = np.sin(asr[:, None] * _GL_X[None, :])
            bvn = np.exp((sn * hk[:, None] - hs[:, None]) / (1.0 - sn * sn)) @ _GL_W
            out[small] = bvn * asr / _TWO_PI + ndtr(-hs_) * ndtr(-ks_)
        big = ~small
        if big.any():
            hb, kb, rb = h[big], k[big], r[big]
            neg = rb < 0
            kb = np.where(neg, -kb, kb)
            hk = hb * kb
            as_ = 1.0 - rb * rb
            a = np.sqrt(as_)
            bs = (hb - kb) ** 2
            asr = -(bs / as_ + hk) / 2.0
            c = (4.0 - hk) / 8.0
            d = (12.0 - hk) / 80.0
            bvn = np.where(asr > -100, a * np.exp(asr) * (1 - c * (bs - as_) * (1 - d * bs) / 3 + c * d * as_ * as_), 0.0)
            b = np.sqrt(bs)
            sp = np.sqrt(_TWO_PI) * ndtr(-b / a)
            bvn = np.where(hk > -100, bvn - np.exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3), bvn)
            a2 = a / 2.0
            xs = (a2[:, None] * _GL_X[None, :]) ** 2
            asr2 = -(bs[:, None] / xs + hk[:, None]) / 2.0
            sp2 = 1 + c[:, None] * xs * (1 + 5 * d[:, None] * xs)
            rs = np.sqrt(1 - xs)
            ep = np.exp(-(hk[:, None] / 2) * xs / (1 + rs) ** 2) / rs
            terms = np.where(asr2 > -100, np.exp(asr2) * (sp2 - ep), 0.0)
            bvn = (a2 * (terms @ _GL_W) - bvn) / _TWO_PI
            bvn = np.where(as_ > 0, bvn, 0.0)
            pos_val = bvn + ndtr(-np.maximum(hb, kb))
            low = np.where(hb < 0, ndtr(kb) - ndtr(hb), ndtr(-hb) - ndtr(-kb))
            neg_val = np.where(hb >= kb, -bvn, low - bvn)
            out[big] = np.where(rb > 0, pos_val, neg_val)
    return np.clip(out, 0.0, 1.0)


def bvn_cdf(h, k, r):
    """P(X < h, Y < k) for a standard bivariate normal with correlation ``r`` (broadcasting; ±inf ok)."""
    h, k, r = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(h, k, r))
    shape = h.shape
    h, k, r = h.ravel(), k.ravel(), r.ravel()
    fin = np.isfinite(h) & np.isfinite(k)
    out = np.zeros(h.shape)
    if fin.any():
        out[fin] = _bvnu(-h[fin], -k[fin], r[fin])
    inf_h, inf_k = h == np.inf, k == np.inf
    out = np.where(inf_h & np.isfinite(k), ndtr(k), out)
    out = np.where(inf_k & np.isfinite(h), ndtr(h), out)
    out = np.where(inf_h & inf_k, 1.0, out)
    out = np.where((h == -np.inf) | (k == -np.inf), 0.0, out)
    return out.reshape(shape)


# --------------------------------------------------------------------------- R's optimize, vectorised
def brent_minimize(f, n: int, lower: float = -1.0, upper: float = 1.0, tol: float = _R_TOL,
                   max_iter: int = 500) -> np.ndarray:
    """Minimise ``n`` one-dimensional functions at once with R's ``optimize`` (Brent's fmin).

    ``f(x, idx)`` returns the objectives of problems ``idx`` at the points ``x``. Every problem follows
    exactly the steps R's ``Brent_fmin`` takes, so the stopping rule (``tol``) is R's.
    """
    gold = (3.0 - np.sqrt(5.0)) * 0.5
    eps = np.sqrt(np.finfo(float).eps)
    a = np.full(n, float(lower))
    b = np.full(n, float(upper))
    x = a + gold * (b - a)
    v, w = x.copy(), x.copy()
    d, e = np.zeros(n), np.zeros(n)
    fx = np.asarray(f(x.copy(), np.arange(n)), dtype=float)
    fv, fw = fx.copy(), fx.copy()
    tol3 = tol / 3.0
    active = np.ones(n, dtype=bool)
    for _ in range(max_iter):
        xm = (a + b) * 0.5
        tol1 = eps * np.abs(x) + tol3
        t2 = tol1 * 2.0
        active &= ~(np.abs(x - xm) <= t2 - (b - a) * 0.5)
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        A, B, X, V, W = a[idx], b[idx], x[idx], v[idx], w[idx]
        FX, FV, FW, D, E = fx[idx], fv[idx], fw[idx], d[idx], e[idx]
        XM, TOL1, T2 = xm[idx], tol1[idx], t2[idx]
        p = np.zeros(idx.size)
        q = np.zeros(idx.size)
        r = np.zeros(idx.size)
        fit = np.abs(E) > TOL1
        rr = (X - W) * (FX - FV)
        qq = (X - V) * (FX - FW)
        pp = (X - V) * qq - (X - W) * rr
        qq = (qq - rr) * 2.0
        pp = np.where(qq > 0, -pp, pp)
        qq = np.abs(qq)
        p = np.where(fit, pp, p)
        q = np.where(fit, qq, q)
        r = np.where(fit, E, r)
        E = np.where(fit, D, E)
        golden = (np.abs(p) >= np.abs(q * 0.5 * r)) | (p <= q * (A - X)) | (p >= q * (B - X))
        e_gold = np.where(X < XM, B - X, A - X)
        with np.errstate(divide="ignore", invalid="ignore"):
            d_par = p / q
        u_par = X + d_par
        near_end = (u_par - A < T2) | (B - u_par < T2)
        d_par = np.where(near_end, np.where(X >= XM, -TOL1, TOL1), d_par)
        E = np.where(golden, e_gold, E)
        D = np.where(golden, gold * e_gold, d_par)
        U = np.where(np.abs(D) >= TOL1, X + D, np.where(D > 0, X + TOL1, X - TOL1))
        FU = np.asarray(f(U.copy(), idx), dtype=float)
        better = FU <= FX
        # fu <= fx
        nA = np.where(better, np.where(U < X, A, X), np.where(U < X, U, A))
        nB = np.where(better, np.where(U < X, X, B), np.where(U < X, B, U))
        c1 = ~better & ((FU <= FW) | (W == X))
        c2 = ~better & ~c1 & ((FU <= FV) | (V == X) | (V == W))
        nV = np.where(better, W, np.where(c1, W, np.where(c2, U, V)))
        nFV = np.where(better, FW, np.where(c1, FW, np.where(c2, FU, FV)))
        nW = np.where(better, X, np.where(c1, U, W))
        nFW = np.where(better, FX, np.where(c1, FU, FW))
        nX = np.where(better, U, X)
        nFX = np.where(better, FU, FX)
        a[idx], b[idx], x[idx], v[idx], w[idx] = nA, nB, nX, nV, nW
        fx[idx], fv[idx], fw[idx], d[idx], e[idx] = nFX, nFV, nFW, D, E
    return x


# --------------------------------------------------------------------------- the likelihood
def _neg_loglik(rho, tabs, row_tau, col_tau):
    """-sum(tab * log P) over cells with P > 0 (psych's polyF), for a batch of pairs."""
    m = rho.shape[0]
    kr, kc = row_tau.shape[1], col_tau.shape[1]
    inner = bvn_cdf(row_tau[:, :, None], col_tau[:, None, :], rho[:, None, None])
    G = np.zeros((m, kr + 2, kc + 2))
    G[:, 1:-1, 1:-1] = inner
    G[:, -1, 1:-1] = ndtr(col_tau)
    G[:, 1:-1, -1] = ndtr(row_tau)
    G[:, -1, -1] = 1.0
    P = G[:, 1:, 1:] - G[:, :-1, 1:] - G[:, 1:, :-1] + G[:, :-1, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(P > 0, np.log(np.where(P > 0, P, 1.0)), 0.0)
    return -(tabs * lp).sum(axis=(1, 2))


def _fit_pairs(tabs, row_tau, col_tau, tol):
    """ML rho for every pair (rows of ``tabs``) with the thresholds fixed; NaN where undefined."""
    n = tabs.shape[0]
    if n == 0:
        return np.zeros(0)
    return brent_minimize(lambda x, idx: _neg_loglik(x, tabs[idx], row_tau[idx], col_tau[idx]), n, tol=tol)


def _pair_tables(codes: np.ndarray, k: int) -> np.ndarray:
    """All pairwise k x k contingency tables at once: result[i, j, r, c] = #(item i = r, item j = c)."""
    n, p = codes.shape
    onehot = np.zeros((n, p, k))
    obs = ~np.isnan(codes)
    rows, cols = np.nonzero(obs)
    onehot[rows, cols, codes[rows, cols].astype(int)] = 1.0
    flat = onehot.reshape(n, p * k)
    return (flat.T @ flat).reshape(p, k, p, k).transpose(0, 2, 1, 3)


def _thresholds(counts: np.ndarray) -> np.ndarray:
    """qnorm of the cumulative proportions (drops the last), rows = items; ±inf for empty ends."""
    cum = np.cumsum(counts, axis=-1)  # integer counts: exactly 1 at the top (R's long-double cumsum)
    return ndtri(cum[..., :-1] / cum[..., -1:])


def _local_thresholds(tab):
    """psych's polyc with global=FALSE: thresholds from the (corrected) margins of each pair's table,
    with all-empty rows/columns removed (here: given zero width)."""
    def cuts(marg):
        cum = np.cumsum(marg, axis=-1)[..., :-1]
        tau = ndtri(cum)
        nonzero = marg > 0
        before = np.cumsum(nonzero, axis=-1)[..., :-1]  # nonempty categories at or below the cut
        after = nonzero.sum(axis=-1, keepdims=True) - before
        tau = np.where(before == 0, -np.inf, tau)
        return np.where(after == 0, np.inf, tau)
    return cuts(tab.sum(axis=2)), cuts(tab.sum(axis=1))


def cor_smooth(R: np.ndarray, eig_tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """psych::cor.smooth: if R is not positive definite, floor its eigenvalues and rescale."""
    vals, vecs = np.linalg.eigh(R)
    if vals.min() >= np.finfo(float).eps:
        return R, False
    vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
    vals = vals * R.shape[0] / vals.sum()
    S = (vecs * vals) @ vecs.T
    dg = np.sqrt(np.diag(S))
    return S / np.outer(dg, dg), True


# --------------------------------------------------------------------------- public API
@dataclass
class PolychoricResult(ResultMixin):
    """Polychoric (or tetrachoric) correlations.

    Attributes: ``rho`` (DataFrame), ``thresholds`` (items x t1..tk; NaN where psych has ±Inf, i.e. an
    item never uses the lowest/highest categories of the common range), ``n`` (rows passed),
    ``global_thresholds`` (False when items differ in their number of categories: psych then estimates
    thresholds per pair), ``n_corrected`` (empty cells replaced by the continuity correction),
    ``smoothed`` (psych::cor.smooth was applied because the matrix was not positive definite).
    """

    rho: pd.DataFrame
    thresholds: pd.DataFrame
    n: int
    kind: str = "polychoric"
    global_thresholds: bool = True
    n_corrected: int = 0
    smoothed: bool = False

    def summary(self) -> str:
        lines = [f"Call: {self.kind}(n = {self.n})", f"{self.kind.capitalize()} correlations",
                 self.rho.round(2).to_string(), "", " with tau of", self.thresholds.round(2).to_string()]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return self.rho.copy()


def _integer_codes(frame: pd.DataFrame, max_cat: int, what: str) -> np.ndarray:
    X = frame.to_numpy(dtype=float)
    obs = ~np.isnan(X)
    frac = obs & (X != np.round(X))
    if frac.any():
        r, c = np.argwhere(frac)[0]
        raise EngageSurveyError(
            f"{what} need integer category codes: column {frame.columns[c]!r} has value {float(X[r, c])!r} (row {frame.index[r]!r})")
    lo = np.nanmin(X)
    nvalues = int(np.nanmax(X) - lo + 1)
    if nvalues > max_cat:
        raise EngageSurveyError(
            f"{what}: the items span {nvalues} categories (more than max_cat={max_cat}); "
            "polychoric correlations are probably not needed")
    return X - lo


def polychoric(items, *, correct: float = 0.5, smooth: bool = True, max_cat: int = 8,
               tol: float = _R_TOL) -> PolychoricResult:
    """Polychoric correlation matrix (two-step ML, thresholds from the margins), as psych::polychoric.

    Items are shifted so the lowest code in the whole table is category 1 (psych). When every item has
    the same highest code psych uses *global* thresholds (from each item's non-missing values) and the
    raw pairwise table; otherwise (psych's ``global = FALSE``, with a warning) each pair gets thresholds
    from its own table after dropping empty rows/columns, and empty cells are set to ``correct / N``
    (continuity correction; ``correct=0`` turns it off). Pairwise-complete rows are used for each table.
    The maximisation uses R's ``optimize`` stopping rule (``tol = .Machine$double.eps^0.25``); pass a
    smaller ``tol`` for the exact ML estimate. A matrix that is not positive definite is smoothed as
    ``psych::cor.smooth`` does (``smooth=False`` to skip).

    Reference: Olsson (1979), Psychometrika 44, 443-460. Checked against ``psych::polychoric``
    (psych 2.2.9): rho within 1e-4 (iterative), thresholds within 1e-6.
    """
    frame = item_frame(items, what="polychoric items")
    codes = _integer_codes(frame, max_cat, "polychoric items")
    p = codes.shape[1]
    k = int(np.nanmax(codes)) + 1
    maxes = np.nanmax(codes, axis=0)
    global_ = bool(maxes.min() == maxes.max())
    if not global_:
        warnings.warn("The items do not have an equal number of response alternatives; thresholds are "
                      "estimated per pair (psych's global = FALSE).", stacklevel=2)
    counts = np.stack([np.bincount(codes[~np.isnan(codes[:, j]), j].astype(int), minlength=k)
                       for j in range(p)]).astype(float)
    tau = _thresholds(counts)  # p x (k-1)
    tabs_all = _pair_tables(codes, k)
    iu, ju = np.triu_indices(p, 1)
    tabs = tabs_all[iu, ju]
    tot = tabs.sum(axis=(1, 2))
    ok = tot > 0
    n_corrected = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        tabs = tabs / np.where(ok, tot, 1.0)[:, None, None]
    if global_:
        row_tau, col_tau = tau[iu], tau[ju]
    else:
        keep_r = tabs.sum(axis=2) > 0
        keep_c = tabs.sum(axis=1) > 0
        ok &= (keep_r.sum(axis=1) >= 2) & (keep_c.sum(axis=1) >= 2)
        empty = keep_r[:, :, None] & keep_c[:, None, :] & (tabs == 0)
        if correct > 0:
            fixed = empty.any(axis=(1, 2)) & ok
            n_corrected = int(fixed.sum())
            tabs = np.where(empty, correct / np.where(ok, tot, 1.0)[:, None, None], tabs)
            if n_corrected:
                warnings.warn(f"{n_corrected} cells were adjusted for 0 values using the correction for "
                              "continuity. Examine your data carefully.", stacklevel=2)
        row_tau, col_tau = _local_thresholds(tabs)
    rho_pairs = np.full(iu.size, np.nan)
    rho_pairs[ok] = _fit_pairs(tabs[ok], row_tau[ok], col_tau[ok], tol)
    R = np.eye(p)
    R[iu, ju] = rho_pairs
    R[ju, iu] = rho_pairs
    smoothed = False
    if np.isnan(R).any():
        warnings.warn("some polychoric correlations are missing (no complete pairs); smoothing turned off",
                      stacklevel=2)
    elif smooth:
        R, smoothed = cor_smooth(R)
        if smoothed:
            warnings.warn("Matrix was not positive definite, smoothing was done", stacklevel=2)
    names = list(frame.columns)
    thr = pd.DataFrame(np.where(np.isfinite(tau), tau, np.nan), index=names,
                       columns=[f"t{i + 1}" for i in range(k - 1)])
    return PolychoricResult(rho=pd.DataFrame(R, index=names, columns=names), thresholds=thr,
                            n=int(frame.shape[0]), global_thresholds=global_, n_corrected=n_corrected,
                            smoothed=smoothed)


def tetrachoric(items, *, correct: float = 0.5, smooth: bool = True, tol: float = _R_TOL) -> PolychoricResult:
    """Tetrachoric correlations of dichotomous items, as psych::tetrachoric.

    Each item is coded 0/1 from its own minimum; thresholds are global, ``tau = qnorm(1 - mean)``. In a
    pair's 2 x 2 table (pairwise-complete rows) an empty cell gets ``correct`` (0.5 by default) added
    as a count (psych's continuity correction, applied with the global thresholds). Pairs with fewer
    than 3 complete rows are NaN. Reference: Pearson (1900); Olsson (1979). Checked against
    ``psych::tetrachoric`` (psych 2.2.9).
    """
    frame = item_frame(items, what="tetrachoric items")
    X = frame.to_numpy(dtype=float)
    X = X - np.nanmin(X, axis=0)
    Xf = np.nan_to_num(X)
    bad = [str(c) for j, c in enumerate(frame.columns) if ((Xf[:, j] != 0) & (Xf[:, j] != 1)).any()]
    if bad:
        raise EngageSurveyError(f"tetrachoric correlations need dichotomous items; more than two values in: "
                                f"{', '.join(bad)}")
    p = X.shape[1]
    tau = ndtri(1.0 - np.nanmean(X, axis=0))
    tabs_all = _pair_tables(X, 2)
    iu, ju = np.triu_indices(p, 1)
    tabs = tabs_all[iu, ju]
    tot = tabs.sum(axis=(1, 2))
    ok = tot > 2
    n_corrected = 0
    if correct > 0:
        fixed = (tabs == 0).any(axis=(1, 2)) & ok
        n_corrected = int(fixed.sum())
        tabs = np.where((tabs == 0) & fixed[:, None, None], correct, tabs)
    rho_pairs = np.full(iu.size, np.nan)
    rho_pairs[ok] = _fit_pairs(tabs[ok], tau[iu][ok, None], tau[ju][ok, None], tol)
    R = np.eye(p)
    R[iu, ju] = rho_pairs
    R[ju, iu] = rho_pairs
    smoothed = False
    if np.isnan(R).any():
        warnings.warn("some tetrachoric correlations are missing; smoothing turned off", stacklevel=2)
    elif smooth:
        R, smoothed = cor_smooth(R)
        if smoothed:
            warnings.warn("Matrix was not positive definite, smoothing was done", stacklevel=2)
    names = list(frame.columns)
    return PolychoricResult(rho=pd.DataFrame(R, index=names, columns=names),
                            thresholds=pd.DataFrame({"t1": tau}, index=names), n=int(frame.shape[0]),
                            kind="tetrachoric", n_corrected=n_corrected, smoothed=smoothed)
