"""Power for an ordinal (proportional-odds) outcome such as the official performance rating (H5).

Data model: a latent rating ``y* = beta x + u_j + e`` with ``e`` standard logistic (variance pi^2/3), x
standard normal (ICC ``icc`` when clustered) and, in clustered designs, a unit effect ``u_j`` with
latent ICC ``icc``. The observed category is ``k`` when ``theta_{k-1} < y* <= theta_k``. Thresholds are
given directly, or found from the marginal category ``probabilities`` (the marginal distribution of
ratings), integrating over ``beta x + u`` by Gauss-Hermite quadrature.

``forced_distribution=True`` imitates ratings forced-distributed within units: in every unit the
``per_unit`` people are ranked by ``y*`` and the categories handed out by fixed quotas
(``per_unit * probabilities``, largest-remainder rounding).

Analysis: the cumulative-logit model ``logit P(Y <= k) = theta_k - x beta`` (the parameterisation of
``MASS::polr`` and ``ordinal::clm``; the batched Newton fit is checked against ``ordinal::clm`` in
``tests/reference/power_ordinal.R``), Wald z test of beta with the observed-information SE. Clustered:
x enters as its within-unit deviation plus the unit mean (the hybrid/Mundlak stand-in for unit fixed
effects, Allison 2009) and the SE is a CR1-type cluster sandwich ``G/(G-1) H^-1 (sum_g s_g s_g') H^-1``;
the within coefficient is tested.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize, special, stats

from .errors import EngageSurveyError
from .power_sim import CHUNK, seed_sequence, stream

_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(80)
_GH_W = _GH_W / _GH_W.sum()


def marginal_cdf(theta, scale: float) -> np.ndarray:
    """P(Y <= k) = E[F(theta_k - scale Z)], Z standard normal."""
    return np.array([float(_GH_W @ special.expit(t - scale * _GH_X)) for t in np.atleast_1d(theta)])


def _floats(name, values) -> np.ndarray:
    """``values`` as a float array, or a one-line error naming ``name``."""
    try:
        out = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise EngageSurveyError(f"{name} must be a list of numbers, got {values!r}") from None
    if not np.all(np.isfinite(out)):
        raise EngageSurveyError(f"{name} must be finite numbers, got {values!r}")
    return out


def thresholds_from_probabilities(probabilities, scale: float) -> np.ndarray:
    p = _floats("probabilities", probabilities)
    if p.ndim != 1 or len(p) < 2 or np.any(p <= 0) or abs(p.sum() - 1) > 1e-6:
        raise EngageSurveyError(f"probabilities must be >= 2 positive category shares summing to 1, got "
                                f"{list(probabilities)!r}")
    cum = np.cumsum(p)[:-1]
    return np.array([optimize.brentq(lambda t, c=c: marginal_cdf([t], scale)[0] - c, -50, 50) for c in cum])


def _solve_ok(A: np.ndarray, B: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Batched ``np.linalg.solve(A, B)``; a replication with a singular ``A`` (e.g. a predictor that
    separates the categories) gets zeros and ``ok[r] = False`` instead of failing the whole batch."""
    try:
        return np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        out = np.zeros(np.broadcast_shapes(A.shape[:-2], B.shape[:-2]) + B.shape[-2:])
        for r in range(len(A)):
            try:
                out[r] = np.linalg.solve(A[r], B[r])
            except np.linalg.LinAlgError:
                ok[r] = False
        return out


def fit_polr(y: np.ndarray, X: np.ndarray, K: int, cluster=None, tol: float = 1e-9, max_iter: int = 60):
    """Batched proportional-odds fit. y (R, N) ints 0..K-1, X (R, N, p).

    Returns theta (R, K-1), beta (R, p), vcov (R, D, D) of (theta, beta), loglik (R,), ok (R,) (every
    category observed and converged). ``cluster``: (n_units, per_unit) for the cluster sandwich.
    """
    R, N, p = X.shape
    D = K - 1 + p
    counts = np.stack([(y == k).sum(axis=1) for k in range(K)], axis=1)
    ok = np.all(counts > 0, axis=1)
    cum = np.cumsum(counts, axis=1)[:, :-1] / N
    theta = special.logit(np.clip(cum, 0.5 / N, 1 - 0.5 / N))
    params = np.concatenate([theta, np.zeros((R, p))], axis=1)
    eye = np.eye(K - 1)
    up = np.where(y < K - 1, y, 0)
    lo = np.where(y > 0, y - 1, 0)
    g1 = np.concatenate([eye[up] * (y < K - 1)[..., None], -X], axis=2)
    g0 = np.concatenate([eye[lo] * (y > 0)[..., None], -X], axis=2)

    def parts(par):
        th, b = par[:, :K - 1], par[:, K - 1:]
        eta = np.einsum("rnp,rp->rn", X, b)
        thp = np.concatenate([th, np.full((R, 1), np.inf)], axis=1)
        thm = np.concatenate([np.full((R, 1), -np.inf), th], axis=1)
        F1 = special.expit(np.take_along_axis(thp, y, axis=1) - eta)
        F0 = special.expit(np.take_along_axis(thm, y, axis=1) - eta)
        P = F1 - F0
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = np.where(np.all(P > 0, axis=1), np.log(np.where(P > 0, P, 1.0)).sum(axis=1), -np.inf)
        return F1, F0, P, ll

    F1, F0, P, ll = parts(params)
    for _ in range(max_iter):
        f1, f0 = F1 * (1 - F1), F0 * (1 - F0)
        s = (f1[..., None] * g1 - f0[..., None] * g0) / P[..., None]
        grad = s.sum(axis=1)
        H = (np.einsum("rn,rni,rnj->rij", f1 * (1 - 2 * F1) / P, g1, g1)
             - np.einsum("rn,rni,rnj->rij", f0 * (1 - 2 * F0) / P, g0, g0)
             - np.einsum("rni,rnj->rij", s, s))
        H[~ok] = -np.eye(D)
        step = _solve_ok(-H, grad[..., None], ok)[..., 0]
        step[~ok] = 0.0
        t = np.ones(R)
        for _half in range(30):
            new = params + t[:, None] * step
            nF1, nF0, nP, nll = parts(new)
            worse = nll < ll - 1e-10
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
        params, F1, F0, P, ll = new, nF1, nF0, nP, nll
        if np.max(np.abs(t[:, None] * step)) < tol:
            break
    else:
        ok &= np.max(np.abs(step), axis=1) < 1e-5
    f1, f0 = F1 * (1 - F1), F0 * (1 - F0)
    s = (f1[..., None] * g1 - f0[..., None] * g0) / P[..., None]
    H = (np.einsum("rn,rni,rnj->rij", f1 * (1 - 2 * F1) / P, g1, g1)
         - np.einsum("rn,rni,rnj->rij", f0 * (1 - 2 * F0) / P, g0, g0) - np.einsum("rni,rnj->rij", s, s))
    H[~ok] = -np.eye(D)
    H[~ok] = -np.eye(D)
    Hinv = _solve_ok(-H, np.broadcast_to(np.eye(D), H.shape), ok)
    if cluster is None:
        vc = Hinv
    else:
        G, m = cluster
        sg = s.reshape(R, G, m, D).sum(axis=2)
        vc = G / (G - 1) * Hinv @ np.einsum("rgi,rgj->rij", sg, sg) @ Hinv
    return params[:, :K - 1], params[:, K - 1:], vc, ll, ok


def _quotas(probabilities, m):
    raw = np.asarray(probabilities) * m
    q = np.floor(raw).astype(int)
    rest = m - q.sum()
    q[np.argsort(-(raw - q), kind="stable")[:rest]] += 1
    return q


def simulate_ordinal(beta, N, G, m, icc, thresholds, probabilities, forced, reps, alpha, seed, progress):
    """Hits (reps,), estimates (reps,) and info for :func:`engagesurvey.power.ordinal`."""
    if (thresholds is None) == (probabilities is None):
        raise EngageSurveyError("give exactly one of thresholds or probabilities (the category shares)")
    clustered = m is not None
    su2 = icc / (1 - icc) * np.pi**2 / 3 if clustered else 0.0
    scale = float(np.sqrt(beta**2 + su2))
    if thresholds is not None:
        th = _floats("thresholds", thresholds)
        if th.ndim != 1 or len(th) < 1 or np.any(np.diff(th) <= 0):
            raise EngageSurveyError(f"thresholds must be increasing, got {list(thresholds)!r}")
        probs = np.diff(np.concatenate([[0.0], marginal_cdf(th, scale), [1.0]]))
    else:
        th = thresholds_from_probabilities(probabilities, scale)
        probs = np.asarray(probabilities, dtype=float)
    K = len(th) + 1
    root = seed_sequence(seed)
    hits = np.zeros(reps, dtype=bool)
    est = np.full(reps, np.nan)
    failed = 0
    zc = stats.norm.ppf(1 - alpha / 2)
    quota_cum = np.cumsum(_quotas(probs, m)) if forced else None
    for chunk, start in enumerate(range(0, reps, CHUNK)):
        r = min(CHUNK, reps - start)
        rng_w = stream(root, 0, chunk)
        if clustered:
            ub = stream(root, 1, chunk).standard_normal((G, r, 2))
            xw = rng_w.standard_normal((G, r, m))
            e = rng_w.logistic(size=(G, r, m))
            x = np.sqrt(icc) * ub[..., :1] + np.sqrt(1 - icc) * xw
            ystar = beta * x + np.sqrt(su2) * ub[..., 1:] + e
            x, ystar = x.transpose(1, 0, 2), ystar.transpose(1, 0, 2)          # (r, G, m)
            if forced:
                rank = np.argsort(np.argsort(ystar, axis=2), axis=2)
                y = np.searchsorted(quota_cum, rank, side="right")
            else:
                y = np.searchsorted(th, ystar.reshape(r, -1), side="left").reshape(r, G, m)
            xm = x.mean(axis=2, keepdims=True)
            X = np.stack([(x - xm).reshape(r, -1), np.broadcast_to(xm, x.shape).reshape(r, -1)], axis=2)
            y = y.reshape(r, -1)
            cl = (G, m)
        else:
            x = rng_w.standard_normal((N, r)).T
            e = rng_w.logistic(size=(N, r)).T
            y = np.searchsorted(th, beta * x + e, side="left")
            X, cl = x[..., None], None
        _, b, vc, _, ok = fit_polr(y, X, K, cluster=cl)
        se = np.sqrt(vc[:, K - 1, K - 1])
        sl = slice(start, start + r)
        hits[sl] = ok & (np.abs(b[:, 0] / se) > zc)
        est[sl] = np.where(ok, b[:, 0], np.nan)
        failed += int((~ok).sum())
        if progress is not None:
            progress(start + r, reps)
    if failed:
        warnings.warn(f"ordinal power: {failed} of {reps} replications had an empty rating category or did not "
                      "converge; they count as non-significant")
    analysis = "polr_within_cluster_robust" if clustered else "polr"
    return hits, est, {"thresholds": th, "analysis": analysis, "probabilities": probs}
