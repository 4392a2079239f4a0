"""Modification indices and expected parameter changes (lavaan's ``modindices()``, 0.6-14).

For every candidate parameter that is fixed at zero (a cross-loading ``=~`` of each factor on each
observed variable it does not measure, a residual covariance ``~~`` of each pair of observed
variables, a covariance of two latent variables), with ``g`` the gradient of ``-logL/N`` and ``I``
the expected information of the model extended by all candidates (per unit)::

    V   = I_22 - I_21 I_11^-1 I_12      (diagonal only)
    mi  = N g_2^2 / V                  (score test, Sorbom 1989)
    epc = -g_2 / V

``sepc_all`` is the EPC in the completely standardized metric (lavaan's ``sepc.all``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ml import Fitter
from .model import Model


def _candidates(engine) -> pd.DataFrame:
    mdl = engine.model
    pt = mdl.pt
    names = mdl.names
    ov = [v for v in mdl.ov if v not in names.dummy and v not in names.ov_x]
    have = set()
    for lhs, op, rhs, g in zip(pt["lhs"], pt["op"], pt["rhs"], pt["group"]):
        have.add((lhs, op, rhs, g))
        if op == "~~":
            have.add((rhs, op, lhs, g))
    rows = []
    for g in range(1, mdl.ngroups + 1):
        for f in names.lv:
            for v in ov:
                if (f, "=~", v, g) not in have:
                    rows.append((f, "=~", v, g))
        for i, a in enumerate(ov):
            for b in ov[i + 1:]:
                if (a, "~~", b, g) not in have:
                    rows.append((a, "~~", b, g))
        for i, a in enumerate(names.lv):
            for b in names.lv[i + 1:]:
                if (a, "~~", b, g) not in have:
                    rows.append((a, "~~", b, g))
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group"])


def modindices(engine) -> pd.DataFrame:
    """DataFrame lhs op rhs group mi epc sepc_all for the candidate parameters of a fitted model."""
    mdl = engine.model
    cand = _candidates(engine)
    if cand.empty:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "group", "mi", "epc", "sepc_all"])
    q = mdl.npar
    ext = cand.assign(free=np.arange(q + 1, q + 1 + len(cand)), ustart=np.nan, label="", user=0, start=np.nan,
                      exo=0, line=0)
    pt = pd.concat([mdl.pt, ext], ignore_index=True)
    emodel = Model(pt, mdl.names, mdl.ov, mdl.ngroups)
    x = np.concatenate([engine.x, np.zeros(len(cand))])
    _, grad, info = Fitter(emodel, engine.groups).evaluate(x)
    g2 = 0.5 * grad[q:]  # gradient of -logL/N
    I11, I12, I22 = info[:q, :q], info[:q, q:], info[q:, q:]
    V = np.diag(I22) - np.einsum("ij,ij->j", I12, np.linalg.solve(I11, I12))
    N = engine.fitter.N
    with np.errstate(divide="ignore", invalid="ignore"):
        mi = np.where(V > 1e-12, N * g2 ** 2 / V, np.nan)
        epc = np.where(V > 1e-12, -g2 / V, np.nan)
    # completely standardized EPC
    sepc = np.full(len(cand), np.nan)
    lv_i = {v: i for i, v in enumerate(mdl.lv)}
    ov_i = {v: i for i, v in enumerate(mdl.ov)}
    for g in range(mdl.ngroups):
        sigma, _, aux = mdl.implied(engine.x, g)
        V_lv, theta = aux["V"], aux["M"]["theta"]
        for n in np.flatnonzero(cand["group"].to_numpy() == g + 1):
            lhs, op, rhs = cand["lhs"].iat[n], cand["op"].iat[n], cand["rhs"].iat[n]
            if op == "=~":
                sepc[n] = epc[n] * np.sqrt(V_lv[lv_i[lhs], lv_i[lhs]] / sigma[ov_i[rhs], ov_i[rhs]])
            elif lhs in ov_i:
                sepc[n] = epc[n] / np.sqrt(theta[ov_i[lhs], ov_i[lhs]] * theta[ov_i[rhs], ov_i[rhs]])
            else:
                sepc[n] = epc[n] / np.sqrt(V_lv[lv_i[lhs], lv_i[lhs]] * V_lv[lv_i[rhs], lv_i[rhs]])
    labels = engine.group_labels
    out = cand.copy()
    out["group"] = [labels[g - 1] for g in out["group"]]
    out["group"] = out["group"].astype(object)
    out["mi"], out["epc"], out["sepc_all"] = mi, epc, sepc
    return out
