"""Factor rotations: GPArotation's gradient projection algorithms, ``stats::varimax`` and psych's promax.

The gradient projection algorithm (Jennrich, 2001, 2002; Bernaards & Jennrich, 2005) minimises a
rotation criterion ``Q(L)`` over rotation matrices ``T``:

* orthogonal (``GPArotation::GPForth``): ``L = A T`` with ``T'T = I``; the gradient ``G = A' dQ/dL`` is
  projected onto the tangent space ``Gp = G - T (T'G + G'T)/2``, and a step ``T - a Gp`` is mapped back to
  the orthogonal matrices through its SVD (``U V'``).
* oblique (``GPArotation::GPFoblq``): ``L = A (T')^{-1}`` with ``diag(T'T) = 1``; ``G = -(L' dQ/dL T^{-1})'``,
  ``Gp = G - T diag(1'(T * G))`` and the step is renormalised column-wise. The factor correlation
  matrix is ``Phi = T'T``.

Both halve the step size ``a`` (doubled at the start of each iteration, up to 11 halvings) until the
criterion improves by at least ``0.5 s^2 a`` and stop when the projected gradient's Frobenius norm ``s``
falls below ``eps = 1e-5`` (at most 1000 iterations), all as GPArotation 2022.10 does, so the iterates
follow R's.

Criteria (the ``vgQ.*`` functions): quartimin / oblimin with ``gamma`` (``Q = sum(L^2 * (L^2 N))/4``,
``N`` ones off the diagonal), geomin (``Q = sum_i prod_j (l_ij^2 + delta)^(1/k)``, Browne 2001) and
quartimax (``Q = -sum(L^4)/4``).

``varimax`` is ``stats::varimax`` (Kaiser normalised, the SVD iteration of R, ``eps = 1e-5``), which
is what ``psych::fa(rotate = "varimax")`` calls. ``promax`` is psych's ``kaiser(L, "Promax")``: rows
normalised to unit length, ``psych::Promax`` with ``m = 4`` (varimax, then the least-squares fit of
``L * |L|^(m-1)``), then the rows rescaled.

References: Bernaards, C. A., & Jennrich, R. I. (2005). Gradient projection algorithms and software for
arbitrary rotation criteria in factor analysis. Educational and Psychological Measurement, 65, 676-696.
Kaiser, H. F. (1958). The varimax criterion for analytic rotation. Psychometrika, 23, 187-200.
Hendrickson, A. E., & White, P. O. (1964). Promax. British Journal of Statistical Psychology, 17, 65-70.
"""

from __future__ import annotations

import warnings

import numpy as np

ORTHOGONAL = ("varimax", "quartimax")
OBLIQUE = ("oblimin", "quartimin", "geomin", "promax")


# ---------------------------------------------------------------- criteria (GPArotation vgQ.*)
def vgq_oblimin(L: np.ndarray, gamma: float = 0.0):
    """Value and gradient of the oblimin family (``gamma = 0`` is quartimin), as ``vgQ.oblimin``."""
    L2 = L * L
    X = L2.sum(axis=1, keepdims=True) - L2  # L^2 %*% (1 - I)
    if gamma != 0:
        X = X - gamma * X.mean(axis=0, keepdims=True)
    return float(np.sum(L2 * X) / 4.0), L * X


def vgq_geomin(L: np.ndarray, delta: float = 0.01):
    """Value and gradient of the geomin criterion, as ``vgQ.geomin``."""
    k = L.shape[1]
    L2 = L * L + delta
    pro = np.exp(np.log(L2).sum(axis=1) / k)
    return float(pro.sum()), (2.0 / k) * (L / L2) * pro[:, None]


def vgq_quartimax(L: np.ndarray):
    """Value and gradient of the quartimax criterion, as ``vgQ.quartimax``."""
    return float(-np.sum(L**4) / 4.0), -(L**3)


# ---------------------------------------------------------------- gradient projection
def gpf_oblq(A: np.ndarray, vgq, T: np.ndarray | None = None, eps: float = 1e-5, maxit: int = 1000):
    """Oblique gradient projection rotation (``GPArotation::GPFoblq``, ``normalize = FALSE``).

    Returns ``(L, Phi, T, converged)`` with ``L = A (T')^{-1}`` and ``Phi = T'T``.
    """
    k = A.shape[1]
    T = np.eye(k) if T is None else np.asarray(T, float)
    al = 1.0
    Tinv = np.linalg.inv(T)
    L = A @ Tinv.T
    f, Gq = vgq(L)
    G = -(L.T @ Gq @ Tinv).T
    s = np.inf
    for _ in range(maxit + 1):
        Gp = G - T * np.sum(T * G, axis=0)
        s = np.sqrt(np.sum(Gp * Gp))
        if s < eps:
            break
        al *= 2.0
        for _i in range(11):
            X = T - al * Gp
            Tt = X / np.sqrt(np.sum(X * X, axis=0))
            Ttinv = np.linalg.inv(Tt)
            L = A @ Ttinv.T
            ft, Gqt = vgq(L)
            if f - ft > 0.5 * s * s * al:
                break
            al /= 2.0
        T, f, Tinv = Tt, ft, Ttinv
        G = -(L.T @ Gqt @ Tinv).T
    converged = bool(s < eps)
    if not converged:
        warnings.warn(f"convergence not obtained in the oblique rotation: {maxit} iterations used", stacklevel=3)
    return L, T.T @ T, T, converged


def gpf_orth(A: np.ndarray, vgq, T: np.ndarray | None = None, eps: float = 1e-5, maxit: int = 1000):
    """Orthogonal gradient projection rotation (``GPArotation::GPForth``, ``normalize = FALSE``).

    Returns ``(L, T, converged)`` with ``L = A T``.
    """
    k = A.shape[1]
    T = np.eye(k) if T is None else np.asarray(T, float)
    al = 1.0
    L = A @ T
    f, Gq = vgq(L)
    G = A.T @ Gq
    s = np.inf
    for _ in range(maxit + 1):
        M = T.T @ G
        Gp = G - T @ ((M + M.T) / 2.0)
        s = np.sqrt(np.sum(Gp * Gp))
        if s < eps:
            break
        al *= 2.0
        for _i in range(11):
            U, _d, Vt = np.linalg.svd(T - al * Gp)
            Tt = U @ Vt
            L = A @ Tt
            ft, Gqt = vgq(L)
            if ft < f - 0.5 * s * s * al:
                break
            al /= 2.0
        T, f = Tt, ft
        G = A.T @ Gqt
    converged = bool(s < eps)
    if not converged:
        warnings.warn(f"convergence not obtained in the orthogonal rotation: {maxit} iterations used", stacklevel=3)
    return L, T, converged


# ---------------------------------------------------------------- varimax and promax
def varimax(x: np.ndarray, normalize: bool = True, eps: float = 1e-5):
    """``stats::varimax``: Kaiser-normalised SVD iteration. Returns ``(loadings, rotmat)``."""
    p, nc = x.shape
    if nc < 2:
        return x.copy(), np.eye(nc)
    sc = np.sqrt(np.sum(x * x, axis=1)) if normalize else np.ones(p)
    xs = x / sc[:, None]
    TT = np.eye(nc)
    d = 0.0
    for _ in range(1000):
        z = xs @ TT
        B = xs.T @ (z**3 - z * (np.sum(z * z, axis=0) / p))
        u, sv, vt = np.linalg.svd(B)
        TT = u @ vt
        dpast, d = d, float(np.sum(sv))
        if d < dpast * (1 + eps):
            break
    return (xs @ TT) * sc[:, None], TT


def promax(x: np.ndarray, m: float = 4.0):
    """``psych::Promax``: varimax, then a least-squares target ``L * |L|^(m-1)``. Returns ``(L, Phi, U)``."""
    xv, rot = varimax(x)
    Q = xv * np.abs(xv) ** (m - 1)
    U = np.linalg.lstsq(xv, Q, rcond=None)[0]
    UtU = U.T @ U
    try:
        d = np.diag(np.linalg.inv(UtU))
    except np.linalg.LinAlgError:
        warnings.warn("factors are exactly uncorrelated; promax used an approximation", stacklevel=3)
        ev, vec = np.linalg.eigh(UtU)
        ev = np.maximum(ev, 100 * np.finfo(float).eps)
        UU = (vec * ev) @ vec.T
        np.fill_diagonal(UU, 1.0)
        d = np.diag(np.linalg.inv(UU))
    U = U * np.sqrt(d)
    z = xv @ U
    U = rot @ U
    ui = np.linalg.inv(U)
    return z, ui @ ui.T, U


def kaiser_promax(x: np.ndarray, m: float = 4.0):
    """``psych:::kaiser(L, rotate = "Promax")``: promax on row-normalised loadings, rows rescaled."""
    h = np.sqrt(np.sum(x * x, axis=1))
    z, phi, U = promax(x / h[:, None], m=m)
    return z * h[:, None], phi, U


# ---------------------------------------------------------------- dispatcher
def rotate(L: np.ndarray, method: str | None, *, gamma: float = 0.0, delta: float = 0.01,
           eps: float = 1e-5, maxit: int = 1000):
    """Rotate loadings as ``psych::fa`` does for ``rotate = method``. Returns ``(loadings, Phi or None)``.

    ``method``: "varimax" (``stats::varimax``), "quartimax" (``GPArotation::quartimax``), "oblimin"
    (``GPArotation::oblimin``, ``gam = gamma``), "quartimin", "geomin" (``GPArotation::geominQ``,
    ``delta``), "promax" (psych's Kaiser-normalised Promax, m = 4), or None (unrotated).
    """
    if method is None or L.shape[1] < 2:
        return L.copy(), None
    if method == "varimax":
        return varimax(L)[0], None
    if method == "quartimax":
        return gpf_orth(L, vgq_quartimax, eps=eps, maxit=maxit)[0], None
    if method == "promax":
        z, phi, _ = kaiser_promax(L)
        return z, phi
    if method in ("oblimin", "quartimin"):
        g = gamma if method == "oblimin" else 0.0
        out = gpf_oblq(L, lambda x: vgq_oblimin(x, g), eps=eps, maxit=maxit)
        return out[0], out[1]
    if method == "geomin":
        out = gpf_oblq(L, lambda x: vgq_geomin(x, delta), eps=eps, maxit=maxit)
        return out[0], out[1]
    raise ValueError(f"unknown rotation {method!r}")  # validated by the caller
