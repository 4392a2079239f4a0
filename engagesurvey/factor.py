"""Exploratory factor analysis: extraction (minres, ML, PA), rotations, fit statistics.

KMO, Bartlett's test, parallel analysis, MAP and scree live in :mod:`engagesurvey.factorability` and
are re-exported here.

Everything follows psych 2.2.9 (``fa``, ``KMO``, ``cortest.bartlett``, ``fa.parallel``, ``VSS``) and
GPArotation; the rotations live in :mod:`engagesurvey._rotation`. Raw data are correlated with
pairwise-complete observations (psych's ``use = "pairwise"``) and ``n`` is the number of rows, as in
psych; a square correlation or covariance matrix (or an object with ``.cov`` and ``.n``, such as a
``Moments``) may be given instead.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from . import _rotation
from ._prep import item_frame
from ._results import ResultMixin
from .errors import EngageSurveyError
from .polychoric import cor_smooth
from .reliability import _cov2cor
from .reliability import _smc as smc

__all__ = [
    "EFAResult", "efa", "kmo", "KMOResult", "bartlett", "BartlettResult", "parallel_analysis",
    "ParallelResult", "map_test", "scree", "correlation_input", "fit_statistics",
]

METHODS = ("minres", "ml", "pa")
ROTATIONS = ("oblimin", "quartimin", "geomin", "promax", "varimax", "quartimax", None)
_PREFIX = {"minres": "MR", "ml": "ML", "pa": "PA"}
_EPS = np.finfo(float).eps
_POOL = []


def _one_thread():
    """Run small-matrix linear algebra on one BLAS thread (threads only add overhead at p ~ 25)."""
    if not _POOL:
        try:
            from threadpoolctl import ThreadpoolController

            _POOL.append(ThreadpoolController())
        except ImportError:  # optional: without it BLAS keeps its default threading
            _POOL.append(None)
    return contextlib.nullcontext() if _POOL[0] is None else _POOL[0].limit(limits=1, user_api="blas")


# ============================================================== input
def _pairwise_cor(X: np.ndarray) -> np.ndarray:
    """Pearson correlations from pairwise-complete rows (R's ``cor(use = "pairwise")``).

    ``X`` is ``(n, p)`` or a stack ``(b, n, p)``; NaN marks a missing cell. Vectorised: the pairwise
    sums come from products of the zero-filled data with the observed-cell mask.
    """
    X = np.asarray(X, float)
    M = ~np.isnan(X)
    X0 = np.where(M, X - np.nanmean(X, axis=-2, keepdims=True), 0.0)
    Mf = M.astype(float)
    tr = (lambda A: np.swapaxes(A, -1, -2))
    n = tr(Mf) @ Mf
    sx = tr(X0) @ Mf  # [i, j]: sum of x_i over rows where j is observed (and i, since X0 = 0 at NaN)
    sxx = tr(X0 * X0) @ Mf
    sxy = tr(X0) @ X0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * tr(sx) / n
        vi = sxx - sx * sx / n
        r = cov / np.sqrt(vi * tr(vi))
    idx = np.arange(X.shape[-1])
    r[..., idx, idx] = 1.0
    return r


def _count_pairs(X: np.ndarray) -> np.ndarray:
    M = (~np.isnan(X)).astype(float)
    return M.T @ M


def _is_matrix(items) -> bool:
    if not isinstance(items, pd.DataFrame) or items.shape[0] != items.shape[1] or items.shape[0] < 2:
        return False
    if list(map(str, items.index)) != list(map(str, items.columns)):
        return False
    try:
        a = items.to_numpy(dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.allclose(a, a.T, equal_nan=False))


def correlation_input(items, n_obs=None, *, what: str = "items", min_items: int = 2):
    """Return ``(R, names, n_obs, frame)`` from raw data, a square matrix, or a ``.cov``/``.n`` object.

    ``frame`` is the validated raw data (None for matrix input). Raises
    :class:`~engagesurvey.errors.EngageSurveyError` for fewer than ``min_items`` items, non-numeric or
    constant items, fewer respondents than items, pairs never observed together and singular matrices.
    """
    frame = None
    if hasattr(items, "cov") and hasattr(items, "n") and not isinstance(items, (pd.DataFrame, np.ndarray)):
        if n_obs is None:
            n_obs = items.n
        items = items.cov
    if isinstance(items, pd.DataFrame) and _is_matrix(items):
        C = items.to_numpy(dtype=float)
        names = [str(c) for c in items.columns]
        if C.shape[1] < min_items:
            raise EngageSurveyError(f"{what} need at least {min_items} columns, got {C.shape[1]}")
        d = np.diag(C)
        bad = [names[i] for i in range(len(d)) if not np.isfinite(d[i]) or d[i] <= 0]
        if bad:
            raise EngageSurveyError(f"matrix has a non-positive or missing variance for: {', '.join(bad)}")
        if not np.all(np.isfinite(C)):
            i, j = np.argwhere(~np.isfinite(C))[0]
            raise EngageSurveyError(f"matrix has a missing value for the pair {names[i]!r}, {names[j]!r}")
        R = _cov2cor(C)
        if n_obs is not None:
            n_obs = float(n_obs)
            if not np.isfinite(n_obs) or n_obs < 2:
                raise EngageSurveyError(f"n_obs must be a number of respondents >= 2, got {n_obs!r}")
    else:
        frame = item_frame(items, min_items=min_items, what=what)
        names = [str(c) for c in frame.columns]
        X = frame.to_numpy()
        if X.shape[0] < X.shape[1]:
            raise EngageSurveyError(
                f"only {X.shape[0]} respondents for {X.shape[1]} {what}: need at least as many rows as items")
        R = _pairwise_cor(X)
        npair = _count_pairs(X)
        if np.any(npair < 3) or not np.all(np.isfinite(R)):
            i, j = np.argwhere((npair < 3) | ~np.isfinite(R))[0]
            raise EngageSurveyError(
                f"{what} {names[i]!r} and {names[j]!r} have too few rows answered together to correlate")
        n_obs = float(X.shape[0]) if n_obs is None else float(n_obs)
    _check_singular(R, names)
    return R, names, n_obs, frame


def _check_singular(R: np.ndarray, names) -> None:
    """Raise for an exactly singular matrix (dependent items); warn for an indefinite one (psych goes on,
    as it does for a non-positive-definite polychoric matrix)."""
    ev, vec = np.linalg.eigh(R)
    tiny = np.abs(ev) <= 1e-10 * max(ev[-1], 1.0)
    if tiny.any():
        v = np.abs(vec[:, np.argmax(tiny)])
        culprits = [names[i] for i in np.argsort(-v) if v[i] > 0.1][:6]
        raise EngageSurveyError(
            "the correlation matrix is singular (linearly dependent or duplicated items: "
            f"{', '.join(culprits)}); drop one of them")
    if ev[0] < 0:
        warnings.warn(f"the correlation matrix is not positive definite (smallest eigenvalue {ev[0]:.3g})",
                      stacklevel=4)


# ============================================================== small psych helpers
# smc (psych::smc) and cov2cor live in reliability, cor_smooth (psych::cor.smooth) in polychoric.
def _eigh_desc(S: np.ndarray):
    ev, vec = np.linalg.eigh(S)
    return ev[..., ::-1], vec[..., ::-1]


# ============================================================== extraction (psych:::fac)
def _minres_fn(psi, S, nf):
    S2 = S.copy()
    np.fill_diagonal(S2, 1.0 - psi)
    ev, vec = _eigh_desc(S2)
    ev = np.where(ev < _EPS, 100 * _EPS, ev)
    L = vec[:, :nf] * np.sqrt(ev[:nf])
    res = S2 - L @ L.T
    return float(np.sum(np.tril(res, -1) ** 2))


def _minres_gr(psi, S, nf):
    ev, vec = _eigh_desc(S - np.diag(psi))
    L = vec[:, :nf] * np.sqrt(np.maximum(ev[:nf], 0.0))
    return np.sum(L * L, axis=1) + psi - np.diag(S)


def _ml_load(psi, S, nf):
    sc = 1.0 / np.sqrt(psi)
    ev, vec = _eigh_desc(S * np.outer(sc, sc))
    return np.sqrt(psi)[:, None] * vec[:, :nf] * np.sqrt(np.maximum(ev[:nf] - 1.0, 0.0)), ev


def _ml_fn(psi, S, nf):
    sc = 1.0 / np.sqrt(psi)
    e = np.linalg.eigvalsh(S * np.outer(sc, sc))[::-1][nf:]
    return float(-(np.sum(np.log(e) - e) - nf + S.shape[0]))


def _ml_gr(psi, S, nf):
    L, _ = _ml_load(psi, S, nf)
    return (np.sum(L * L, axis=1) + psi - np.diag(S)) / psi**2


def _lbfgsb(fn, gr, start, S, nf, upper):
    """R's ``optim(method = "L-BFGS-B")`` with ``parscale = 0.01`` and R's defaults (factr 1e7, lmm 5)."""
    ps = 0.01
    res = optimize.minimize(
        lambda x: fn(x * ps, S, nf), start / ps, jac=lambda x: gr(x * ps, S, nf) * ps, method="L-BFGS-B",
        bounds=[(0.005 / ps, upper / ps)] * len(start),
        options={"maxcor": 5, "ftol": 1e7 * _EPS, "gtol": 0.0, "maxiter": 100})
    return res.x * ps, res.status != 1  # 1: iteration limit (R's convergence code 1); psych ignores others


def extract(R: np.ndarray, nf: int, method: str, *, max_iter: int = 50, min_err: float = 0.001):
    """Unrotated loadings as ``psych:::fac`` finds them. Returns ``(L, values, converged)``.

    ``values`` are the eigenvalues of ``R`` with the communalities on the diagonal (``fa()$values``; for
    "pa", of the last matrix decomposed, i.e. with the previous iteration's communalities, as psych).
    """
    p = R.shape[0]
    converged = True
    if method == "pa":
        Rm = R.copy()
        if nf <= p:
            np.fill_diagonal(Rm, smc(R))
        comm = np.trace(Rm)
        err, i = comm, 1
        while err > min_err:
            ev, vec = _eigh_desc(Rm)
            with np.errstate(invalid="ignore"):
                L = vec[:, :nf] * np.sqrt(ev[:nf])
            new = np.sum(L * L, axis=1)
            comm1 = new.sum()
            np.fill_diagonal(Rm, new)
            err = abs(comm - comm1)
            if np.isnan(err):
                warnings.warn("imaginary eigenvalue in principal axis factoring: too many factors?", stacklevel=3)
                break
            comm = comm1
            i += 1
            if i > max_iter:
                warnings.warn(f"principal axis factoring: maximum iterations ({max_iter}) exceeded", stacklevel=3)
                converged = False
                break
    else:
        s = smc(R)
        upper = max(s.max(), 1.0)
        start = np.diag(R) - s
        if method == "ml":
            if s.sum() == nf and nf > 1:
                start = np.full(p, 0.5)
            psi, converged = _lbfgsb(_ml_fn, _ml_gr, start, R, nf, upper)
            L, _ = _ml_load(psi, R, nf)
        else:
            psi, converged = _lbfgsb(_minres_fn, _minres_gr, start, R, nf, upper)
            ev, vec = _eigh_desc(R - np.diag(psi))
            L = vec[:, :nf] * np.sqrt(np.maximum(ev[:nf], 0.0))
    sign = np.sign(L.sum(axis=0))
    sign[sign == 0] = 1
    L = L * sign
    L[L == 0] = 1e-15
    if method == "pa":  # psych reports the eigenvalues of the last matrix decomposed
        return L, ev, converged
    S = R.copy()
    np.fill_diagonal(S, np.sum(L * L, axis=1))
    return L, np.linalg.eigvalsh(S)[::-1], converged


# ============================================================== fit statistics (psych::fa.stats)
def _ncx2_cdf(q, df, nc):
    return stats.chi2.cdf(q, df) if nc <= 0 else stats.ncx2.cdf(q, df, nc)


def fit_statistics(R: np.ndarray, L: np.ndarray, phi: np.ndarray | None, n_obs, *, alpha: float = 0.1) -> dict:
    """psych's ``fa.stats``: ML discrepancy of the model, Bartlett-corrected chi-square and indices.

    ``F = tr(M^-1 R) - log det(M^-1 R) - p`` with ``M = L Phi L'`` (unit diagonal);
    ``chisq = F (n - 1 - (2p + 5)/6 - 2k/3)`` (Bartlett, 1951); ``df = p(p-1)/2 - pk + k(k-1)/2``;
    ``RMSEA = sqrt(max(chisq/(df n) - 1/(n-1), 0))`` with a 90% CI from the noncentral chi-square;
    ``TLI = (M0 - Mm)/(M0 - 1/nm)`` (Tucker & Lewis, 1973, psych's form); ``BIC = chisq - df log n``.
    """
    p, k = L.shape
    model = L @ (phi if phi is not None else np.eye(k)) @ L.T
    dof = p * (p - 1) / 2 - p * k + k * (k - 1) / 2
    np.fill_diagonal(model, np.diag(R))
    model = cor_smooth(model)[0]
    Rs = cor_smooth(R)[0]
    mir = np.linalg.solve(model, Rs)
    obj = float(np.trace(mir) - np.linalg.slogdet(mir)[1] - p)
    out = {"chisq": np.nan, "df": float(dof), "pvalue": np.nan, "rmsea": np.nan, "rmsea_ci_lower": np.nan,
           "rmsea_ci_upper": np.nan, "tli": np.nan, "bic": np.nan, "objective": obj}
    if n_obs is None or not np.isfinite(n_obs):
        return out
    n = float(n_obs)
    nm = (n - 1) - (2 * p + 5) / 6 - 2 * k / 3
    chisq = max(obj * nm, 0.0)
    out["chisq"] = chisq
    F0 = float(np.trace(Rs) - np.linalg.slogdet(Rs)[1] - p)
    M0 = F0 * 2 / (p * (p - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["tli"] = float(((M0 - obj / dof) / (M0 - 1 / nm)) if dof != 0 else np.nan)
    if dof > 0:
        out["pvalue"] = float(stats.chi2.sf(chisq, dof))
        rmsea = np.sqrt(max(chisq / (dof * n) - 1 / (n - 1), 0.0))
        tail = alpha / 2
        hi = max(n, chisq) + 2 * n
        p0 = stats.chi2.cdf(chisq, dof)

        def root(target):
            nc = float(special.chndtrinc(chisq, dof, target))
            if not (np.isfinite(nc) and abs(_ncx2_cdf(chisq, dof, nc) - target) < 1e-8):
                f = lambda x: _ncx2_cdf(chisq, dof, x) - target
                try:
                    nc = optimize.brentq(f, 0.0, hi, xtol=1e-10)
                except ValueError:
                    return np.nan
            return np.sqrt(nc / (n - 1) / dof)

        upper = root(tail) if p0 > tail else 0.0
        lower = root(1 - tail) if p0 > 1 - tail else 0.0
        out["rmsea"] = float(rmsea)
        out["rmsea_ci_upper"] = float(upper) if not (upper < rmsea) else np.nan
        out["rmsea_ci_lower"] = float(lower) if not (lower > rmsea) else np.nan
        out["bic"] = float(chisq - dof * np.log(n))
    return out


# ============================================================== EFA
@dataclass
class EFAResult(ResultMixin):
    """An exploratory factor analysis (``psych::fa``). Fields as in ``shared/API.md``.

    ``loadings`` (pattern), ``phi`` (factor correlations; identity when orthogonal), ``communalities``
    (``diag(L Phi L')``), ``uniquenesses`` (``1 - communalities`` for a correlation matrix), ``fit``
    (chisq df pvalue rmsea rmsea_ci_lower rmsea_ci_upper tli bic objective), ``heywood`` (items with a
    communality >= 1), ``variance`` (psych's ``Vaccounted``), ``values`` (eigenvalues of the reduced
    correlation matrix), ``structure`` (``L Phi``).
    """

    loadings: pd.DataFrame
    phi: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    fit: dict
    heywood: list
    variance: pd.DataFrame
    values: np.ndarray
    structure: pd.DataFrame
    method: str
    rotation: str | None
    n_obs: float
    converged: bool = True
    correlation: pd.DataFrame = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        out = self.loadings.copy()
        out["h2"] = self.communalities
        out["u2"] = self.uniquenesses
        L2 = self.loadings.to_numpy() ** 2
        out["com"] = L2.sum(axis=1) ** 2 / (L2**2).sum(axis=1)
        return out

    def summary(self) -> str:
        f = self.fit
        lines = [f"Factor Analysis using method = {self.method}, rotation = {self.rotation}",
                 "Standardized loadings (pattern matrix)", self.to_frame().to_string(float_format="{:.2f}".format),
                 "", self.variance.to_string(float_format="{:.2f}".format)]
        if self.loadings.shape[1] > 1 and self.rotation not in (None, "varimax", "quartimax"):
            lines += ["", "With factor correlations of", self.phi.to_string(float_format="{:.2f}".format)]
        lines += ["", (f"The degrees of freedom for the model are {f['df']:.0f} and the objective function was "
                       f"{f['objective']:.2f}")]
        if np.isfinite(f["chisq"]):
            lines += [(f"The number of observations was {self.n_obs:.0f} with Chi Square = {f['chisq']:.2f} "
                       f"with prob < {f['pvalue']:.2g}"),
                      f"Tucker Lewis Index of factoring reliability = {f['tli']:.3f}",
                      (f"RMSEA index = {f['rmsea']:.3f} and the 90 % confidence intervals are "
                       f"{f['rmsea_ci_lower']:.3f} {f['rmsea_ci_upper']:.3f}"),
                      f"BIC = {f['bic']:.2f}"]
        if self.heywood:
            lines += [f"Heywood case(s): {', '.join(self.heywood)}"]
        return "\n".join(lines)


def _check_options(n_factors, method, rotation, p):
    if method not in METHODS:
        raise EngageSurveyError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if rotation is not None and rotation not in ROTATIONS:
        raise EngageSurveyError(f"rotation must be one of {', '.join(map(str, ROTATIONS))}, got {rotation!r}")
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) or n_factors < 1:
        raise EngageSurveyError(f"n_factors must be a positive integer, got {n_factors!r}")
    dof = p * (p - 1) / 2 - p * n_factors + n_factors * (n_factors - 1) / 2
    if n_factors >= p or dof < 0:
        raise EngageSurveyError(
            f"n_factors={n_factors} is too many for {p} items (the model has {dof:.0f} degrees of freedom)")


def _postprocess(L: np.ndarray, rotation, *, gamma=0.0, delta=0.01):
    """Rotate, sign and sort as ``psych:::fac``: signs so column sums are positive, then factors in
    decreasing order of ``diag(Phi L'L)``. Returns ``(L, Phi or None, order)``."""
    k = L.shape[1]
    Lr, phi = _rotation.rotate(L, rotation if k > 1 else None, gamma=gamma, delta=delta)
    sign = np.sign(Lr.sum(axis=0))
    sign[sign == 0] = 1
    Lr = Lr * sign
    if phi is not None:
        phi = phi * np.outer(sign, sign)
    if k > 1:
        ev = np.diag(Lr.T @ Lr) if phi is None else np.diag(phi @ Lr.T @ Lr)
        order = np.argsort(-ev, kind="stable")
    else:
        order = np.arange(k)
    Lr = Lr[:, order]
    if phi is not None:
        phi = phi[np.ix_(order, order)]
    return Lr, phi, order


def efa(items, n_factors: int, *, method: str = "minres", rotation: str | None = "oblimin", n_obs=None,
        gamma: float = 0.0, delta: float = 0.01, max_iter: int = 50, min_err: float = 0.001) -> EFAResult:
    """Exploratory factor analysis as ``psych::fa`` (psych 2.2.9).

    Parameters
    ----------
    items : DataFrame of item responses (pairwise-complete correlations, ``n`` = number of rows), a square
        correlation/covariance DataFrame (index = columns; rescaled to correlations), or an object with
        ``.cov`` and ``.n`` (a ``Moments``).
    n_factors : number of factors.
    method : "minres" (psych's default: least squares on the off-diagonal residuals, minimised over the
        uniquenesses with L-BFGS-B from ``1 - smc`` as ``optim`` does), "ml" (maximum likelihood,
        ``F = sum(log e - e) + p - k`` over the trailing eigenvalues of ``Psi^-1/2 R Psi^-1/2``) or "pa"
        (iterated principal axis from SMCs until the total communality changes by < ``min_err``, at most
        ``max_iter`` iterations: psych's conventions).
    rotation : "oblimin" (``gamma``), "quartimin", "geomin" (``GPArotation::geominQ``, ``delta``), "promax"
        (psych's Kaiser-normalised promax, m = 4), "varimax" (``stats::varimax``), "quartimax", or None.
    n_obs : respondents, for the fit statistics when ``items`` is a matrix (psych's ``n.obs``).

    Raises EngageSurveyError when ``n_factors`` leaves negative degrees of freedom
    (``p(p-1)/2 - pk + k(k-1)/2 < 0``; psych fits such a model anyway), and for the input errors of
    :func:`correlation_input`.

    Returns
    -------
    EFAResult. Factors are named as psych names them (``MR1``.. / ``ML1``.. / ``PA1``.. before sorting)
    and ordered by variance accounted for after rotation; ``fit`` follows ``psych::fa.stats``.

    References: Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    Psychometrika, 31, 351-368. Revelle, W. (2022). psych: Procedures for Psychological, Psychometric,
    and Personality Research, R package 2.2.9. Checked against ``psych::fa`` (tests/reference/factor.R).
    """
    with _one_thread():
        return _efa(items, n_factors, method, rotation, n_obs, gamma, delta, max_iter, min_err)


def _efa(items, n_factors, method, rotation, n_obs, gamma, delta, max_iter, min_err) -> EFAResult:
    R, names, n_obs, _ = correlation_input(items, n_obs)
    p = R.shape[0]
    _check_options(n_factors, method, rotation, p)
    L0, values, converged = extract(R, int(n_factors), method, max_iter=max_iter, min_err=min_err)
    if not converged and method != "pa":
        warnings.warn(f"the {method} fit did not converge; results may be inaccurate", stacklevel=3)
    comm = np.sum(L0 * L0, axis=1)
    L, phi, order = _postprocess(L0, rotation, gamma=gamma, delta=delta)
    k = L.shape[1]
    fnames = [f"{_PREFIX[method]}{i + 1}" for i in order]
    phi_m = np.eye(k) if phi is None else phi
    fit = fit_statistics(R, L, phi, n_obs)
    ss = np.diag(phi_m @ L.T @ L)
    vtot = float(np.sum(np.diag(R)))
    rows = {"SS loadings": ss, "Proportion Var": ss / vtot}
    if k > 1:
        rows.update({"Cumulative Var": np.cumsum(ss / vtot), "Proportion Explained": ss / ss.sum(),
                     "Cumulative Proportion": np.cumsum(ss / ss.sum())})
    heywood = [names[i] for i in np.flatnonzero(comm >= 1.0)]
    if heywood:
        warnings.warn(f"Heywood case: communality >= 1 for {', '.join(heywood)}; examine the results carefully",
                      stacklevel=3)
    return EFAResult(
        loadings=pd.DataFrame(L, index=names, columns=fnames),
        phi=pd.DataFrame(phi_m, index=fnames, columns=fnames),
        communalities=pd.Series(comm, index=names, name="h2"),
        uniquenesses=pd.Series(np.diag(R) - comm, index=names, name="u2"),
        fit=fit, heywood=heywood, variance=pd.DataFrame(rows, index=fnames).T, values=values,
        structure=pd.DataFrame(L @ phi_m, index=names, columns=fnames), method=method, rotation=rotation,
        n_obs=float(n_obs) if n_obs is not None else np.nan, converged=converged,
        correlation=pd.DataFrame(R, index=names, columns=names))


from .factorability import (  # noqa: E402  (re-exported: es.factor.kmo etc.)
    BartlettResult, KMOResult, ParallelResult, bartlett, kmo, map_test, parallel_analysis, scree,
)
