"""Full-information ML with missing data: missing-data patterns and the saturated (h1) model by EM.

Each pattern of observed variables is one :class:`~engagesurvey.sem.ml.Block` (its rows' N-denominator
covariance and mean over the observed variables), so the casewise likelihood (Arbuckle 1996) is
evaluated once per pattern, vectorised over the rows. The unrestricted model (needed for the
chi-square, ``2 (logL_h1 - logL_h0)``) is estimated by the EM algorithm (Dempster, Laird & Rubin 1977),
as ``lavaan``'s ``lav_mvnorm_missing_h1_estimate_moments``.
"""

from __future__ import annotations

import numpy as np

from .ml import LOG2PI, Block


def patterns(Y: np.ndarray):
    """List of (row indices, observed-variable indices) per missing-data pattern."""
    obs = ~np.isnan(Y)
    keys, inv = np.unique(obs, axis=0, return_inverse=True)
    out = []
    for k, key in enumerate(keys):
        rows = np.flatnonzero(inv.ravel() == k)
        out.append((rows, np.flatnonzero(key)))
    return out


def blocks(Y: np.ndarray, pats) -> list[Block]:
    out = []
    for rows, o in pats:
        Z = Y[np.ix_(rows, o)]
        m = Z.mean(axis=0)
        C = (Z - m).T @ (Z - m) / len(rows)
        out.append(Block(len(rows), o, C, m))
    return out


def loglik(blocks_: list[Block], sigma: np.ndarray, mu: np.ndarray) -> float:
    total = 0.0
    for b in blocks_:
        so = sigma[np.ix_(b.obs, b.obs)]
        inv = np.linalg.inv(so)
        d = b.mean - mu[b.obs]
        total += -0.5 * b.n * (len(b.obs) * LOG2PI + np.linalg.slogdet(so)[1] + np.sum(inv * b.cov) + d @ inv @ d)
    return float(total)


def em_h1(Y: np.ndarray, pats, *, max_iter: int = 10000, tol: float = 1e-12):
    """Saturated mean vector and covariance (N denominator) of incomplete data by EM."""
    n, p = Y.shape
    mu = np.nanmean(Y, axis=0)
    sigma = np.diag(np.nanvar(Y, axis=0))
    prev = -np.inf
    bl = blocks(Y, pats)
    for _ in range(max_iter):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for (rows, o), b in zip(pats, bl):
            mis = np.setdiff1d(np.arange(p), o)
            Z = Y[rows]
            X = np.empty((len(rows), p))
            X[:, o] = Z[:, o]
            C = np.zeros((p, p))
            if len(mis):
                soo = sigma[np.ix_(o, o)]
                B = np.linalg.solve(soo, sigma[np.ix_(o, mis)]) if len(o) else np.zeros((0, len(mis)))
                X[:, mis] = mu[mis] + (Z[:, o] - mu[o]) @ B
                C[np.ix_(mis, mis)] = sigma[np.ix_(mis, mis)] - sigma[np.ix_(mis, o)] @ B
            T1 += X.sum(axis=0)
            T2 += X.T @ X + len(rows) * C
        mu = T1 / n
        sigma = T2 / n - np.outer(mu, mu)
        ll = loglik(bl, sigma, mu)
        if abs(ll - prev) < tol * (1 + abs(ll)):
            break
        prev = ll
    return mu, sigma, ll
