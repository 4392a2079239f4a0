"""Sample statistics for ordered indicators: thresholds, polychoric correlations and their NACOV.

The three-stage approach of Muthen (1984) as lavaan 0.6-14 implements it (``muthen1984``,
``lav_samplestats_step1``/``step2``) for ordered variables without exogenous covariates:

1. thresholds of each variable from its own margin (univariate probit ML):
   :math:`\\tau_{j,t} = \\Phi^{-1}(\\sum_{c \\le t} n_{jc} / n)`;
2. for every pair, with those thresholds fixed, the polychoric correlation that maximises the
   bivariate-normal likelihood of the pair's table, :math:`\\ell(\\rho) = \\sum_{ab} n_{ab} \\log P_{ab}(\\rho)`
   (lavaan's ``zero.add = c(0.5, 0)``: no correction of empty cells in tables larger than 2 x 2; a 2 x 2
   table with one empty cell gets 0.5 added to the diagonal and removed from the off-diagonal cells,
   keeping the margins);
3. the asymptotic covariance matrix of (thresholds, correlations) from the casewise scores: with
   ``SC = [SC_th, SC_rho]`` (univariate threshold scores, bivariate rho scores), ``INNER = SC' SC``,
   ``A11`` = the per-variable blocks of INNER, ``A22 = diag(SC_rho' SC_rho)``, ``A21`` = cross-products
   of the rho scores with the bivariate threshold scores, and
   ``B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]]``,
   ``NACOV = N B^-1 INNER B^-T`` (lavaan's ``NACOV``/``lavInspect(fit, "gamma")``).

Unlike ``psych::polychoric`` (and :func:`engagesurvey.polychoric.polychoric`) the maximisation is run to
convergence (Newton steps) rather than to R's ``optimize`` tolerance, and no 0.5 correction is applied.
The bivariate normal CDF is the vectorised Genz (2004) code of :mod:`engagesurvey.polychoric`.

References
----------
Muthen, B. (1984). A general structural equation model with dichotomous, ordered categorical, and
continuous latent variable indicators. Psychometrika, 49, 115-132.
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
Psychometrika, 44, 443-460.
Checked against ``lavInspect(cfa(..., ordered = TRUE), "sampstat")`` and ``"gamma"`` (lavaan 0.6-14).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import EngageSurveyError
from ..polychoric import bvn_cdf

_SQRT_EPS = np.sqrt(np.finfo(float).eps)
_BIG = 100.0  # lavaan's stand-in for an infinite threshold in the score formulas


@dataclass
class CatStats:
    """Sample statistics of one group: ``th`` (all thresholds, variable by variable), ``th_var`` (the
    variable of each threshold), ``cor`` (polychoric matrix), ``gamma`` (NACOV, thresholds first,
    then the correlations in lavaan's vech order without the diagonal), ``n``."""

    n: int
    th: np.ndarray
    th_var: np.ndarray
    nlev: np.ndarray
    cor: np.ndarray
    gamma: np.ndarray
    pairs: tuple  # (i, j) index arrays, i > j, column-major lower triangle

    @property
    def obs(self) -> np.ndarray:
        """lavaan's WLS.obs: thresholds then correlations."""
        return np.concatenate([self.th, self.cor[self.pairs]])

    @property
    def wls_vd(self) -> np.ndarray:
        """DWLS weights 1 / diag(NACOV) (lavaan's WLS.VD)."""
        return 1.0 / np.diag(self.gamma)


def ordered_codes(values: np.ndarray, names: list) -> tuple[np.ndarray, np.ndarray]:
    """Category codes 0..k-1 (lavaan's ``ordered(y)``: the sorted distinct values of each column).

    Returns (codes as float with NaN for missing, number of levels per column).
    """
    codes = np.full(values.shape, np.nan)
    nlev = np.zeros(values.shape[1], dtype=int)
    for j in range(values.shape[1]):
        col = values[:, j]
        obs = ~np.isnan(col)
        lev = np.unique(col[obs])
        if len(lev) < 2:
            raise EngageSurveyError(f"ordered variable {names[j]!r} has fewer than two categories")
        codes[obs, j] = np.searchsorted(lev, col[obs])
        nlev[j] = len(lev)
    return codes, nlev


def pair_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with i > j in lavaan's ``lav_matrix_vech_idx(p, diagonal = FALSE)`` order."""
    jj, ii = np.triu_indices(p, 1)  # row-major upper = column-major lower
    return ii, jj


def _dbinorm(u, v, rho):
    r2 = 1.0 - rho * rho
    with np.errstate(invalid="ignore", over="ignore"):
        z = (u * u - 2.0 * rho * u * v + v * v) / r2
        out = np.exp(-0.5 * z) / (2.0 * np.pi * np.sqrt(r2))
    return np.where(np.isfinite(u) & np.isfinite(v), out, 0.0)


def _padded(th_list, K):
    """Thresholds padded to K-1 columns with +inf; with -inf/+inf borders: (p, K+1)."""
    p = len(th_list)
    out = np.full((p, K + 1), np.inf)
    out[:, 0] = -np.inf
    for j, t in enumerate(th_list):
        out[j, 1:len(t) + 1] = t
    return out


def _cell_probs(rho, ta, tb):
    """P_ab, dP/drho (phi) and d2P/drho2 for batches: ta (m, K+1), tb (m, K+1) bordered thresholds."""
    m, K1 = ta.shape
    A = ta[:, :, None]
    B = tb[:, None, :]
    R = rho[:, None, None]
    G = bvn_cdf(np.broadcast_to(A, (m, K1, K1)), np.broadcast_to(B, (m, K1, K1)), np.broadcast_to(R, (m, K1, K1)))
    d = _dbinorm(A, B, R)
    r2 = 1.0 - R * R
    with np.errstate(invalid="ignore"):
        guv = (A * B * r2 - R * (A * A - 2 * R * A * B + B * B) + R * r2) / (r2 * r2)
        g = np.where(d > 0, d * guv, 0.0)

    def cells(M):
        return M[:, 1:, 1:] - M[:, :-1, 1:] - M[:, 1:, :-1] + M[:, :-1, :-1]

    return cells(G), cells(d), cells(g)


def _fit_rho(tabs, ta, tb, start, tol=1e-12, max_iter=100):
    """Two-step ML polychoric for a batch of pairs (Newton with bisection safeguard on (-.999, .999))."""
    m = tabs.shape[0]
    rho = np.clip(start, -0.99, 0.99)
    lo, hi = np.full(m, -0.999), np.full(m, 0.999)
    active = np.ones(m, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        P, phi, gg = _cell_probs(rho[idx], ta[idx], tb[idx])
        P = np.maximum(P, _SQRT_EPS)
        n = tabs[idx]
        d1 = (n * phi / P).sum(axis=(1, 2))
        d2 = (n * (gg / P - (phi / P) ** 2)).sum(axis=(1, 2))
        lo[idx] = np.where(d1 > 0, rho[idx], lo[idx])
        hi[idx] = np.where(d1 < 0, rho[idx], hi[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            new = rho[idx] - d1 / d2
        bad = ~np.isfinite(new) | (d2 >= 0) | (new <= lo[idx]) | (new >= hi[idx])
        new = np.where(bad, 0.5 * (lo[idx] + hi[idx]), new)
        step = np.abs(new - rho[idx])
        rho[idx] = new
        active[idx] = step > tol
    return rho


def _zero_add_2x2(tabs, nlev_a, nlev_b):
    """lavaan's zero.add[1] = 0.5 for 2 x 2 tables with one empty cell (margins kept)."""
    out = tabs.copy()
    two = (nlev_a == 2) & (nlev_b == 2)
    for k in np.flatnonzero(two):
        t = out[k, :2, :2]
        empty = np.argwhere(t == 0)
        if len(empty) == 1:
            s = 0.5 if (empty[0][0] == empty[0][1]) else -0.5
            t += s * np.array([[1.0, -1.0], [-1.0, 1.0]])
    return out


def cat_stats(codes: np.ndarray, nlev: np.ndarray, names: list, group=None) -> CatStats:
    """Thresholds, polychoric correlations and NACOV of complete ordered data (codes 0..k-1)."""
    n, p = codes.shape
    C = codes.astype(int)
    K = int(nlev.max())
    where = "" if group is None else f" in group {group!r}"
    counts = np.zeros((p, K))
    for j in range(p):
        counts[j, :nlev[j]] = np.bincount(C[:, j], minlength=nlev[j])
        if (counts[j, :nlev[j]] == 0).any():
            raise EngageSurveyError(f"some categories of ordered variable {names[j]!r} are empty{where}; "
                                    f"frequencies are {counts[j, :nlev[j]].astype(int).tolist()}")
    th_list = [ndtri(np.cumsum(counts[j, :nlev[j]])[:-1] / n) for j in range(p)]
    TB = _padded(th_list, K)  # (p, K+1): -inf, tau_1.., +inf (padding)
    ii, jj = pair_index(p)
    npair = len(ii)
    onehot = np.zeros((n, p, K))
    onehot[np.arange(n)[:, None], np.arange(p)[None, :], C] = 1.0
    flat = onehot.reshape(n, p * K)
    tabs_all = (flat.T @ flat).reshape(p, K, p, K).transpose(0, 2, 1, 3)
    tabs = tabs_all[ii, jj]  # rows = variable i, columns = variable j
    tabs = _zero_add_2x2(tabs, nlev[ii], nlev[jj])
    # starting value: Pearson correlation of the codes (lavaan)
    Z = (C - C.mean(0)) / C.std(0)
    start = (Z.T @ Z / n)[ii, jj]
    ta, tb = TB[ii], TB[jj]
    rho = _fit_rho(tabs, ta, tb, start)
    R = np.eye(p)
    R[ii, jj] = rho
    R[jj, ii] = rho
    gamma = _nacov(C, n, th_list, TB, ii, jj, rho, K, p, npair)
    th = np.concatenate(th_list)
    th_var = np.concatenate([np.full(len(t), j) for j, t in enumerate(th_list)])
    return CatStats(n=n, th=th, th_var=th_var, nlev=nlev.copy(), cor=R, gamma=gamma, pairs=(ii, jj))


def _nacov(C, n, th_list, TB, ii, jj, rho, K, p, npair):
    """N B^-1 (SC'SC) B^-T of lavaan's muthen1984 (no exogenous covariates, complete data)."""
    nth = np.array([len(t) for t in th_list])
    th_start = np.concatenate([[0], np.cumsum(nth)[:-1]])
    T = nth.sum()
    # univariate threshold scores: +phi(tau_t)/pi_c if c == t, -phi(tau_t)/pi_c if c == t+1
    TBf = np.clip(TB, -_BIG, _BIG)
    up = TBf[np.arange(p)[None, :], C + 1]  # (n, p) upper bound of the observed category
    lo = TBf[np.arange(p)[None, :], C]
    pi = ndtr(up) - ndtr(lo)
    dn_up, dn_lo = np.exp(-0.5 * up * up) / np.sqrt(2 * np.pi), np.exp(-0.5 * lo * lo) / np.sqrt(2 * np.pi)
    SC = np.zeros((n, T + npair))
    rows = np.arange(n)
    for j in range(p):
        c = C[:, j]
        has_up = c < nth[j]
        SC[rows[has_up], th_start[j] + c[has_up]] += dn_up[has_up, j] / pi[has_up, j]
        has_lo = c > 0
        SC[rows[has_lo], th_start[j] + c[has_lo] - 1] -= dn_lo[has_lo, j] / pi[has_lo, j]
    # bivariate scores per cell (pairs x K x K), then gathered per case
    P, phi, _ = _cell_probs(rho, TB[ii], TB[jj])
    P = np.maximum(P, _SQRT_EPS)
    lik_ok = P > _SQRT_EPS
    s_rho = np.where(lik_ok, phi / P, 0.0)
    SC[:, T:] = s_rho[np.arange(npair)[None, :], C[:, ii], C[:, jj]]
    # derivatives of the cell probabilities with respect to the thresholds of each member of the pair
    R_ = np.sqrt(1.0 - rho * rho)[:, None, None]
    r_ = rho[:, None, None]
    A = TBf[ii][:, :, None]  # (m, K+1, 1) bounds of variable i
    B = TBf[jj][:, None, :]
    dA = np.exp(-0.5 * A * A) / np.sqrt(2 * np.pi)
    dB = np.exp(-0.5 * B * B) / np.sqrt(2 * np.pi)
    # F1[m, s, b] = phi(a_s) [Phi((b_{b+1} - r a_s)/R) - Phi((b_b - r a_s)/R)]: d P_{.b} / d a_s
    Fa = dA * ndtr((B - r_ * A) / R_)  # (m, K+1, K+1)
    F1 = Fa[:, :, 1:] - Fa[:, :, :-1]  # (m, K+1, K)
    Fb = dB * ndtr((A - r_ * B) / R_)
    F2 = Fb[:, 1:, :] - Fb[:, :-1, :]  # (m, K, K+1)
    # d P_ab / d tau_{i,t} = +F1[t+1, b] if a == t, -F1[t+1, b] if a == t+1 (and alike for j), so
    # A21[pair, tau_{i,t}] = sum_b (w[t, b] - w[t+1, b]) F1[t+1, b] with w = n_ab (phi/P) / P
    flat_idx = (np.arange(npair)[None, :] * K * K + C[:, ii] * K + C[:, jj]).ravel()
    counts = np.bincount(flat_idx, minlength=npair * K * K).reshape(npair, K, K).astype(float)
    w = counts * s_rho / P
    a21_i = ((w[:, :-1, :] - w[:, 1:, :]) * F1[:, 1:K, :]).sum(axis=2)  # (m, K-1)
    a21_j = ((w[:, :, :-1] - w[:, :, 1:]) * F2[:, :, 1:K]).sum(axis=1)
    A21 = np.zeros((npair, T))
    t_idx = np.arange(K - 1)[None, :]
    for a21, v in ((a21_i, ii), (a21_j, jj)):
        ok = t_idx < nth[v][:, None]
        r_idx, t_ok = np.nonzero(ok)
        A21[r_idx, th_start[v][r_idx] + t_ok] = a21[r_idx, t_ok]
    INNER = SC.T @ SC
    A11_inv = np.zeros((T, T))
    for j in range(p):
        s = slice(th_start[j], th_start[j] + nth[j])
        A11_inv[s, s] = np.linalg.inv(INNER[s, s])
    a22 = np.diag(INNER)[T:]
    Binv = np.zeros((T + npair, T + npair))
    Binv[:T, :T] = A11_inv
    Binv[T:, T:] = np.diag(1.0 / a22)
    Binv[T:, :T] = -(A21 @ A11_inv) / a22[:, None]
    IF = SC @ Binv.T
    return n * (IF.T @ IF)
