"""LISREL-style matrix representation of a parameter table and its analytic derivatives.

Per group the model-implied moments are (lavaan's ``representation = "LISREL"``)::

    A     = (I - B)^-1
    Sigma = Lambda A Psi A' Lambda' + Theta
    mu    = nu + Lambda A alpha

Observed variables that take part in regressions are carried by a phantom latent variable (loading 1,
residual variance 0), as lavaan does. ``Delta`` = d(vec Sigma, mu)/d(theta) is computed analytically
(matrix calculus, e.g. Neudecker & Satorra 1991) and is used for the gradient, the expected
information, modification indices and the robust corrections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .partable import Names

MATS = ("lambda", "theta", "psi", "beta", "nu", "alpha")


@dataclass
class GroupMap:
    p: int
    m: int
    fixed: dict  # matrix name -> template ndarray with fixed values
    free: dict  # matrix name -> (i, j, k) int arrays (k = 0-based free parameter)


class Model:
    """Maps the free-parameter vector of a parameter table onto per-group matrices."""

    def __init__(self, pt: pd.DataFrame, names: Names, ov_order: list[str], ngroups: int):
        self.pt, self.names, self.ngroups = pt, names, ngroups
        self.ov = list(ov_order)
        self.lv = list(names.all_lv)
        self.npar = int(pt["free"].max()) if len(pt) else 0
        ov_i = {v: i for i, v in enumerate(self.ov)}
        lv_i = {v: i for i, v in enumerate(self.lv)}
        p, m = len(self.ov), len(self.lv)
        dummy = set(names.dummy)
        self.where = []  # per row: (matrix, i, j)
        for lhs, op, rhs in zip(pt["lhs"].tolist(), pt["op"].tolist(), pt["rhs"].tolist()):
            if op == "=~":
                if rhs in lv_i and rhs not in dummy:
                    self.where.append(("beta", lv_i[rhs], lv_i[lhs]))
                elif rhs in dummy:
                    self.where.append(("beta", lv_i[rhs], lv_i[lhs]))
                else:
                    self.where.append(("lambda", ov_i[rhs], lv_i[lhs]))
            elif op == "~":
                self.where.append(("beta", lv_i[lhs], lv_i[rhs]))
            elif op == "~~":
                if lhs in lv_i and rhs in lv_i:
                    a, b = sorted((lv_i[lhs], lv_i[rhs]), reverse=True)
                    self.where.append(("psi", a, b))
                else:
                    a, b = sorted((ov_i[lhs], ov_i[rhs]), reverse=True)
                    self.where.append(("theta", a, b))
            elif op == "~1":
                if lhs in lv_i:
                    self.where.append(("alpha", lv_i[lhs], 0))
                else:
                    self.where.append(("nu", ov_i[lhs], 0))
            else:
                self.where.append((None, 0, 0))
        shapes = {"lambda": (p, m), "theta": (p, p), "psi": (m, m), "beta": (m, m), "nu": (p, 1),
                  "alpha": (m, 1)}
        self.groups: list[GroupMap] = []
        groups_, frees_ = pt["group"].to_numpy(), pt["free"].to_numpy()
        ustart_ = pt["ustart"].to_numpy(dtype=float)
        for g in range(1, ngroups + 1):
            fixed = {k: np.zeros(s) for k, s in shapes.items()}
            for d in dummy:
                fixed["lambda"][ov_i[d], lv_i[d]] = 1.0
            free = {k: [[], [], []] for k in MATS}
            for row, (mat, i, j) in enumerate(self.where):
                if mat is None or groups_[row] != g:
                    continue
                k = int(frees_[row])
                if k > 0:
                    free[mat][0].append(i)
                    free[mat][1].append(j)
                    free[mat][2].append(k - 1)
                else:
                    val = ustart_[row]
                    val = 0.0 if not np.isfinite(val) else float(val)
                    fixed[mat][i, j] = val
                    if mat in ("theta", "psi"):
                        fixed[mat][j, i] = val
            free = {k: tuple(np.asarray(a, dtype=int) for a in v) for k, v in free.items()}
            self.groups.append(GroupMap(p, m, fixed, free))
        self.row_free = pt["free"].to_numpy().astype(int)
        self.row_group = pt["group"].to_numpy().astype(int)

    # ------------------------------------------------------------------ matrices
    def matrices(self, x: np.ndarray, g: int) -> dict:
        gm = self.groups[g]
        out = {}
        for name in MATS:
            M = gm.fixed[name].copy()
            i, j, k = gm.free[name]
            if len(k):
                M[i, j] = x[k]
                if name in ("theta", "psi"):
                    M[j, i] = x[k]
            out[name] = M
        return out

    def implied(self, x: np.ndarray, g: int, mats: dict | None = None):
        """Sigma, mu and helper products for group ``g`` (0-based)."""
        M = mats or self.matrices(x, g)
        m = M["beta"].shape[0]
        A = np.linalg.inv(np.eye(m) - M["beta"]) if M["beta"].any() else np.eye(m)
        L = M["lambda"] @ A
        V = A @ M["psi"] @ A.T  # latent covariance
        sigma = L @ M["psi"] @ L.T + M["theta"]
        Aa = A @ M["alpha"][:, 0]
        mu = M["nu"][:, 0] + M["lambda"] @ Aa
        return sigma, mu, dict(A=A, L=L, V=V, Aa=Aa, M=M)

    def delta(self, x: np.ndarray, g: int, aux: dict, npar: int | None = None):
        """d Sigma / d theta (npar, p, p) and d mu / d theta (npar, p) for group ``g``."""
        q = self.npar if npar is None else npar
        gm = self.groups[g]
        p = gm.p
        L, A, Aa, M = aux["L"], aux["A"], aux["Aa"], aux["M"]
        R = aux["V"] @ M["lambda"].T  # A Psi A' Lambda'  (m x p)
        dS = np.zeros((q, p, p))
        dm = np.zeros((q, p))
        i, j, k = gm.free["lambda"]
        if len(k):
            D = np.zeros((len(k), p, p))
            D[np.arange(len(k)), i, :] = R[j, :]
            np.add.at(dS, k, D + D.transpose(0, 2, 1))
            E = np.zeros((len(k), p))
            E[np.arange(len(k)), i] = Aa[j]
            np.add.at(dm, k, E)
        i, j, k = gm.free["beta"]
        if len(k):
            D = L[:, i].T[:, :, None] * R[j, :][:, None, :]
            np.add.at(dS, k, D + D.transpose(0, 2, 1))
            np.add.at(dm, k, L[:, i].T * Aa[j][:, None])
        i, j, k = gm.free["psi"]
        if len(k):
            D = L[:, i].T[:, :, None] * L[:, j].T[:, None, :]
            off = (i != j)[:, None, None]
            np.add.at(dS, k, D + off * D.transpose(0, 2, 1))
        i, j, k = gm.free["theta"]
        if len(k):
            D = np.zeros((len(k), p, p))
            n = np.arange(len(k))
            D[n, i, j] = 1.0
            D[n, j, i] = 1.0
            np.add.at(dS, k, D)
        i, _, k = gm.free["nu"]
        if len(k):
            E = np.zeros((len(k), p))
            E[np.arange(len(k)), i] = 1.0
            np.add.at(dm, k, E)
        i, _, k = gm.free["alpha"]
        if len(k):
            np.add.at(dm, k, L[:, i].T)
        return dS, dm

    def values(self, x: np.ndarray) -> np.ndarray:
        """Value of every parameter-table row at ``x`` (fixed rows keep their fixed value)."""
        est = self.pt["ustart"].to_numpy(dtype=float).copy()
        free = self.row_free > 0
        est[free] = x[self.row_free[free] - 1]
        est[~free & ~np.isfinite(est)] = 0.0
        return est
