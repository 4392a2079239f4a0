"""Robust ML (MLR): Huber-White sandwich standard errors and the Yuan-Bentler scaled chi-square.

As lavaan 0.6-14's ``estimator = "MLR"`` (``se = "robust.huber.white"``,
``test = "yuan.bentler.mplus"``, ``information = "observed"``):

* ``vcov = (1/N) E^-1 B0 E^-1`` with ``E`` the observed information (numerical Hessian of
  ``-logL/N``) and ``B0 = (1/N) sum_i s_i s_i'`` the cross-product of the casewise scores at the
  model-implied moments (Huber 1967; White 1982).
* ``c = [sum_g tr(A1_g^-1 B1_g) - sum_g (N_g/N) tr(B0_g E^-1)] / df`` with ``A1``/``B1`` the
  expected and first-order information of the saturated model at the sample moments (Yuan & Bentler
  2000; the Mplus variant), ``chisq_scaled = chisq / c``.
"""

from __future__ import annotations

import numpy as np

from .ml import Fitter
from .model import Model
from .partable import build_partable
from .syntax import parse_model


def _scores(dS, dm, sigma, mu, Y, meanstructure: bool) -> np.ndarray:
    """Casewise scores d logL_i / d theta (n x q)."""
    inv = np.linalg.inv(sigma)
    Z = (Y - mu) @ inv
    q, p, _ = dS.shape
    T = (Z @ dS.transpose(1, 0, 2).reshape(p, q * p)).reshape(len(Y), q, p)
    quad = np.einsum("nqp,np->nq", T, Z)
    s = 0.5 * (quad - np.einsum("ab,qab->q", inv, dS)[None, :])
    if meanstructure:
        s += Z @ dm.T
    return s


def _expected(dS, dm, sigma, meanstructure: bool) -> np.ndarray:
    inv = np.linalg.inv(sigma)
    q = dS.shape[0]
    W = np.einsum("ab,kbc,cd->kad", inv, dS, inv, optimize=True)
    I = 0.5 * W.reshape(q, -1) @ dS.reshape(q, -1).T
    if meanstructure:
        I += dm @ inv @ dm.T
    return I


def _h1_delta(p: int, meanstructure: bool):
    """Derivatives of (Sigma, mu) with respect to the saturated parameters (vech Sigma, mu)."""
    il, jl = np.tril_indices(p)
    ns = len(il)
    q = ns + (p if meanstructure else 0)
    dS = np.zeros((q, p, p))
    dS[np.arange(ns), il, jl] = 1.0
    dS[np.arange(ns), jl, il] = 1.0
    dm = np.zeros((q, p))
    if meanstructure:
        dm[ns + np.arange(p), np.arange(p)] = 1.0
    return dS, dm


def _group_scores(engine, g: int):
    gd = engine.groups[g]
    sigma, mu, aux = engine.model.implied(engine.x, g)
    if not engine.meanstructure:
        mu = gd.mean
    dS, dm = engine.model.delta(engine.x, g, aux)
    return _scores(dS, dm, sigma, mu, gd.data, engine.meanstructure)


def observed_information(engine) -> np.ndarray:
    """Observed information per unit: Hessian of -logL/N (half the Hessian of F); cached."""
    cached = getattr(engine, "_observed_info", None)
    if cached is None:
        cached = 0.5 * engine.fitter.hessian(engine.x)
        engine._observed_info = cached
    return cached


def sandwich_vcov(engine) -> np.ndarray:
    N = engine.fitter.N
    E_inv = np.linalg.inv(observed_information(engine))
    S = np.vstack([_group_scores(engine, g) for g in range(len(engine.groups))])
    B0 = S.T @ S / N
    return E_inv @ B0 @ E_inv / N


def yb_scaling(engine) -> float:
    """trace(U Gamma) of the Yuan-Bentler (Mplus) scaled test; divide by df for the factor."""
    N = engine.fitter.N
    E_inv = np.linalg.inv(observed_information(engine))
    trace = 0.0
    for g, gd in enumerate(engine.groups):
        p = gd.cov.shape[0]
        dS1, dm1 = _h1_delta(p, engine.meanstructure)
        A1 = _expected(dS1, dm1, gd.cov, engine.meanstructure)
        s1 = _scores(dS1, dm1, gd.cov, gd.mean, gd.data, engine.meanstructure)
        B1 = s1.T @ s1 / gd.n
        s0 = _group_scores(engine, g)
        B0 = s0.T @ s0 / gd.n
        trace += np.trace(np.linalg.solve(A1, B1)) - gd.n / N * np.sum(B0 * E_inv.T)
    return float(trace)


def baseline_engine(engine):
    """The independence model of ``engine`` (same data), fitted; fixed.x covariates kept as observed."""
    from .estimate import Engine

    names = engine.model.names
    ov = engine.model.ov
    xs = set(names.ov_x) if engine.options["fixed_x"] else set()
    lines = [f"{v} ~~ {v}" for v in ov if v not in xs]
    xl = [v for v in ov if v in xs]
    formulas = parse_model("\n".join(lines) if lines else f"{ov[0]} ~~ {ov[0]}")
    pt, bnames = build_partable(formulas, ngroups=len(engine.groups), meanstructure=engine.meanstructure,
                                fixed_x=False, ov_order=ov)
    # exogenous covariates: their variances/covariances fixed at the sample values (fixed.x)
    if xl:
        import pandas as pd

        extra = []
        for g, gd in enumerate(engine.groups, start=1):
            for a in xl:
                for b in xl:
                    if ov.index(b) < ov.index(a):
                        continue
                    ia, ib = ov.index(a), ov.index(b)
                    extra.append(dict(lhs=a, op="~~", rhs=b, group=g, free=0, ustart=gd.cov[ia, ib], label="",
                                      user=0, start=np.nan, exo=1, line=0))
                if engine.meanstructure:
                    extra.append(dict(lhs=a, op="~1", rhs="", group=g, free=0, ustart=gd.mean[ov.index(a)],
                                      label="", user=0, start=np.nan, exo=1, line=0))
        pt = pd.concat([pt[~pt["lhs"].isin(xl)], pd.DataFrame(extra)], ignore_index=True)
        free = pt["free"].to_numpy() > 0
        pt.loc[free, "free"] = np.arange(1, free.sum() + 1)
        bnames.ov_x = xl
    mdl = Model(pt, bnames, ov, len(engine.groups))
    fitter = Fitter(mdl, engine.groups)
    x = np.zeros(mdl.npar)
    for r in np.flatnonzero(mdl.row_free > 0):
        g = mdl.row_group[r] - 1
        v = pt["lhs"].iat[r]
        i = ov.index(v)
        x[mdl.row_free[r] - 1] = engine.groups[g].cov[i, i] if pt["op"].iat[r] == "~~" else engine.groups[g].mean[i]
    if engine.missing == "fiml":
        x, _ = fitter.fit(x)
    return Engine(mdl, fitter, engine.groups, x, None, engine.meanstructure, engine.estimator, engine.missing,
                  engine.group_labels, formulas, dict(engine.options, fixed_x=bool(xl)))
