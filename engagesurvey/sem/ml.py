"""Maximum likelihood estimation (complete data and FIML) by Fisher scoring.

The objective is ``F(theta) = -2 logL(theta) / N`` summed over groups and, for FIML, over missing-data
patterns (each pattern contributes ``n [p_o log 2pi + log|Sigma_oo| + tr(S_pat Sigma_oo^-1) +
(m_pat - mu_o)' Sigma_oo^-1 (m_pat - mu_o)]``). With complete data this is lavaan's ML discrepancy
plus constants, with the sample covariance taken with the N denominator (lavaan's default likelihood
= "normal"); ``chisq = N (F_h0 - F_h1)``.

Iterations are Fisher scoring, ``theta <- theta - t (2 I)^-1 dF/dtheta`` with step halving, where
``I = sum n/N [1/2 Delta_S' (Sigma^-1 x Sigma^-1) Delta_S + Delta_mu' Sigma^-1 Delta_mu]`` is the
expected information (Jennrich & Sampson 1976; lavaan uses nlminb on the same objective, so estimates
agree to the optimiser's tolerance, about 1e-7).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError, EngageSurveyError
from .model import Model

LOG2PI = np.log(2 * np.pi)


@dataclass
class Block:
    """Rows of one group sharing one pattern of observed variables (all variables if complete)."""

    n: int
    obs: np.ndarray  # indices of the observed variables
    cov: np.ndarray  # N-denominator covariance of these rows (over obs)
    mean: np.ndarray | None  # None: no mean structure (mu is saturated at the sample mean)


@dataclass
class GroupData:
    n: int
    cov: np.ndarray  # N-denominator (complete data) or EM estimate (FIML)
    mean: np.ndarray
    blocks: list
    data: np.ndarray | None = None  # raw rows (for robust corrections)
    patterns: list = field(default_factory=list)  # FIML: list of (row mask, obs idx)


def _chol_inv_logdet(S: np.ndarray):
    try:
        c = np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        return None, np.inf
    ci = np.linalg.inv(c)
    return ci.T @ ci, 2.0 * np.log(np.diag(c)).sum()


class Fitter:
    """Evaluates F, its gradient and Fisher information for a :class:`Model` and data blocks."""

    def __init__(self, model: Model, groups: list[GroupData]):
        self.model, self.groups = model, groups
        self.N = sum(g.n for g in groups)

    def objective(self, x: np.ndarray) -> float:
        total = 0.0
        for g, gd in enumerate(self.groups):
            sigma, mu, _ = self.model.implied(x, g)
            for b in gd.blocks:
                so = sigma[np.ix_(b.obs, b.obs)]
                inv, logdet = _chol_inv_logdet(so)
                if inv is None:
                    return np.inf
                f = len(b.obs) * LOG2PI + logdet + np.sum(inv * b.cov)
                if b.mean is not None:
                    d = b.mean - mu[b.obs]
                    f += d @ inv @ d
                total += b.n * f
        return total / self.N

    def evaluate(self, x: np.ndarray, info: bool = True):
        """F, gradient and (if ``info``) the expected information (per unit of N).

        In a multi-group model most parameters do not enter a given group's moments: the gradient and
        information of each group are computed over its active parameters only, then scattered.
        """
        q = self.model.npar
        F, grad, I = 0.0, np.zeros(q), np.zeros((q, q))
        for g, gd in enumerate(self.groups):
            sigma, mu, aux = self.model.implied(x, g)
            dS, dm = self.model.delta(x, g, aux)
            act = np.flatnonzero(np.any(dS.reshape(q, -1) != 0, axis=1) | np.any(dm != 0, axis=1))
            dS, dm = dS[act], dm[act]
            na = len(act)
            for b in gd.blocks:
                o = b.obs
                full = len(o) == sigma.shape[0]
                so = sigma if full else sigma[np.ix_(o, o)]
                inv, logdet = _chol_inv_logdet(so)
                if inv is None:
                    return np.inf, grad, I
                dSo = dS if full else dS[:, o][:, :, o]
                w = b.n / self.N
                f = len(o) * LOG2PI + logdet + np.sum(inv * b.cov)
                G = inv - inv @ b.cov @ inv
                if b.mean is not None:
                    d = b.mean - mu[o]
                    v = inv @ d
                    f += d @ v
                    G -= np.outer(v, v)
                    dmo = dm if full else dm[:, o]
                    grad[act] += w * (dSo.reshape(na, -1) @ G.ravel() - 2.0 * dmo @ v)
                else:
                    grad[act] += w * (dSo.reshape(na, -1) @ G.ravel())
                F += w * f
                if info:
                    W = inv @ dSo @ inv
                    Ib = 0.5 * W.reshape(na, -1) @ dSo.reshape(na, -1).T
                    if b.mean is not None:
                        Ib += dmo @ inv @ dmo.T
                    I[np.ix_(act, act)] += w * Ib
        return F, grad, I

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return self.evaluate(x, info=False)[1]

    def hessian(self, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
        """Numerical Hessian of F from the analytic gradient (as lavaan's observed information)."""
        q = len(x)
        H = np.zeros((q, q))
        for k in range(q):
            e = np.zeros(q)
            e[k] = h
            H[:, k] = (self.gradient(x + e) - self.gradient(x - e)) / (2 * h)
        return 0.5 * (H + H.T)

    def fit(self, x0: np.ndarray, *, max_iter: int = 500, tol: float = 1e-12) -> tuple[np.ndarray, int]:
        """Fisher scoring from ``x0``, then BFGS updates of the scoring matrix once the decrease slows
        (scoring alone converges only linearly for misfitting models); returns (estimates, iterations).
        """
        x = x0.copy()
        F, g, I = self.evaluate(x)
        if not np.isfinite(F):
            raise ConvergenceError("the starting values give a model-implied covariance matrix that is "
                                   "not positive definite; give start values with start(...)*x")
        H = 2.0 * I
        quasi = False
        eye = np.eye(len(x))
        for it in range(1, max_iter + 1):
            try:
                step = np.linalg.solve(H + 1e-12 * eye * np.trace(H), g)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(H, g, rcond=None)[0]
            t = 1.0
            slope = g @ step
            if slope <= 0 and quasi:  # not a descent direction: restart from the Fisher information
                quasi, H = False, 2.0 * self.evaluate(x)[2]
                continue
            while t > 1e-10:
                xn = x - t * step
                Fn = self.objective(xn)
                if np.isfinite(Fn) and Fn <= F - 1e-4 * t * max(slope, 0.0) + 1e-14 * abs(F):
                    break
                t *= 0.5
            else:
                return self._polish(x)
            Fn, gn, In = self.evaluate(xn, info=not quasi)
            s_, y_ = xn - x, gn - g
            dF = F - Fn
            x, F, g = xn, Fn, gn
            if np.max(np.abs(g)) < 1e-10 or (dF < tol * (abs(F) + 1e-3) and np.max(np.abs(s_)) < 1e-9):
                return x, it
            if quasi:
                sy = s_ @ y_
                if sy > 1e-300:
                    Hs = H @ s_
                    H = H + np.outer(y_, y_) / sy - np.outer(Hs, Hs) / (s_ @ Hs)
            else:
                H = 2.0 * In
                if dF < 1e-4 * (abs(F) + 1e-3):
                    quasi = True
        return self._polish(x)

    def _polish(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """Fallback when Fisher scoring stalls: quasi-Newton (BFGS) with the analytic gradient."""
        from scipy import optimize

        def fg(z):
            F, g, _ = self.evaluate(z, info=False)
            return (F, g) if np.isfinite(F) else (1e100, np.zeros_like(z))

        res = optimize.minimize(fg, x, jac=True, method="BFGS", options=dict(gtol=1e-9, maxiter=5000))
        g = fg(res.x)[1]
        if np.max(np.abs(g)) > 1e-5:
            raise ConvergenceError(f"the ML fit did not converge (largest gradient {np.max(np.abs(g)):.3g}); "
                                   f"check the model for empirical under-identification")
        return res.x, int(res.nit)


def start_values(model: Model, groups: list[GroupData]) -> np.ndarray:
    """Starting values: lavaan-like "simple" starts refined with a one-factor principal component.

    Loadings from the first principal component of each factor's indicators (scaled so the fixed
    marker loading is 1), residual variances half the observed variance, latent variances from the
    same component, regressions and covariances 0, intercepts the sample means.
    """
    pt, names = model.pt, model.names
    x = np.full(model.npar, np.nan)
    c_lhs, c_op, c_rhs = pt["lhs"].tolist(), pt["op"].tolist(), pt["rhs"].tolist()
    c_start, c_ustart, c_free = pt["start"].to_numpy(float), pt["ustart"].to_numpy(float), pt["free"].to_numpy()
    ov_i = {v: i for i, v in enumerate(model.ov)}
    for g, gd in enumerate(groups):
        S = gd.cov
        lam, psi = {}, {}
        for f in names.lv:
            rows = [r for r in range(len(c_lhs)) if c_lhs[r] == f and c_op[r] == "=~" and model.row_group[r] == g + 1]
            inds = [c_rhs[r] for r in rows if c_rhs[r] in ov_i]
            if not inds:
                psi[f] = 1.0
                continue
            idx = [ov_i[v] for v in inds]
            val, vec = np.linalg.eigh(S[np.ix_(idx, idx)])
            v1, e1 = vec[:, -1], max(val[-1], 1e-3)
            if v1.sum() < 0:
                v1 = -v1
            marker = [r for r in rows if c_free[r] == 0]
            fixed_val = None
            if marker and c_rhs[marker[0]] in inds and c_ustart[marker[0]] != 0:
                mi = inds.index(c_rhs[marker[0]])
                fixed_val = c_ustart[marker[0]]
            if fixed_val is not None and abs(v1[mi]) > 1e-3:
                scale = v1[mi] / fixed_val
                load = v1 / scale
                psi[f] = 0.5 * e1 * scale ** 2
            else:
                load = np.sqrt(0.5 * e1) * v1
                psi[f] = 1.0
            for v, l in zip(inds, load):
                lam[(f, v)] = l
        mean = gd.mean
        for r in np.flatnonzero((model.row_free > 0) & (model.row_group == g + 1)):
            k = model.row_free[r] - 1
            if np.isfinite(x[k]):
                continue
            lhs, op, rhs = c_lhs[r], c_op[r], c_rhs[r]
            st = c_start[r]
            if np.isfinite(st):
                x[k] = st
            elif op == "=~":
                x[k] = lam.get((lhs, rhs), 1.0)
            elif op == "~~" and lhs == rhs:
                if lhs in ov_i:
                    dummy = lhs in names.dummy
                    exo = lhs not in names.dependent
                    x[k] = S[ov_i[lhs], ov_i[lhs]] * (1.0 if dummy and exo else 0.5)
                else:
                    x[k] = psi.get(lhs, 0.05) if lhs not in names.dependent else 0.5 * psi.get(lhs, 0.1)
            elif op == "~~":
                if lhs in names.ov_x and rhs in names.ov_x:
                    x[k] = S[ov_i[lhs], ov_i[rhs]]
                else:
                    x[k] = 0.0
            elif op == "~1":
                x[k] = mean[ov_i[lhs]] if lhs in ov_i else 0.0
            else:
                x[k] = 0.0
    x[~np.isfinite(x)] = 0.0
    return x


def check_identification(model: Model, info: np.ndarray) -> None:
    """Raise when the information matrix is singular, naming the parameter(s) involved."""
    if info.size == 0:
        return
    d = np.sqrt(np.clip(np.diag(info), 1e-300, None))
    R = info / np.outer(d, d)
    try:  # fast path: a clearly positive definite (correlation-scaled) information matrix
        L = np.linalg.cholesky(R)
        if np.min(np.diag(L)) ** 2 > 1e-8:
            return
    except np.linalg.LinAlgError:
        pass
    val, vec = np.linalg.eigh(R)
    if val[0] < 1e-10 * max(val[-1], 1.0):
        k = int(np.argmax(np.abs(vec[:, 0])))
        row = int(np.flatnonzero(model.row_free == k + 1)[0])
        pt = model.pt
        name = f"{pt['lhs'].iat[row]} {pt['op'].iat[row]} {pt['rhs'].iat[row]}".strip()
        raise EngageSurveyError(f"the model is not identified: the information matrix is singular "
                                f"(parameter {name!r} is involved); fix a loading or a variance")


def heywood_warnings(model: Model, est: np.ndarray) -> None:
    pt = model.pt
    bad = (pt["op"].to_numpy() == "~~") & (pt["lhs"].to_numpy() == pt["rhs"].to_numpy()) & (est < 0)
    for r in np.flatnonzero(bad):
        warnings.warn(f"negative variance (Heywood case) for {pt['lhs'].iat[r]} ~~ {pt['rhs'].iat[r]}: "
                      f"{est[r]:.4g}", stacklevel=3)


def check_pd(cov: np.ndarray, names: list, what: str) -> None:
    val, vec = np.linalg.eigh(cov)
    if val[0] <= 1e-10 * max(val[-1], 1.0):
        k = int(np.argmax(np.abs(vec[:, 0])))
        raise EngageSurveyError(f"{what} is not positive definite (variable {names[k]!r} is a linear "
                                f"combination of others or constant)")
