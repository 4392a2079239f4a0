"""WLSMV for ordered indicators: DWLS estimates, robust standard errors, scaled-and-shifted test.

As ``lavaan::cfa(..., ordered = ...)`` (lavaan 0.6-14 defaults: ``estimator = "WLSMV"`` i.e. DWLS with
``se = "robust.sem"`` and ``test = "scaled.shifted"``, ``parameterization = "delta"``).

Model (delta parameterization, per group): the latent responses ``y*`` have
``Sigma* = D (Lambda A Psi A' Lambda' + Theta) D`` with ``A = (I - B)^-1`` and ``D = diag(delta)`` the
scale factors (``~*~``, fixed to 1 in the first group and freed in later groups when thresholds are held
equal); the residual variances are not free but set so that ``diag(Sigma*) = 1``:
``theta_ii = 1/delta_i^2 - (Lambda A Psi A' Lambda')_ii``. Implied thresholds are
``tau*_it = delta_i (tau_it - (Lambda A alpha)_i)`` (intercepts fixed to 0). With ``s`` = (sample
thresholds, polychoric correlations) and ``sigma(theta)`` the implied counterparts,

* estimates minimise lavaan's ``F = sum_g ((n_g - 1)/N) 1/2 (s_g - sigma_g)' W_g (s_g - sigma_g)`` with
  ``W_g = diag(NACOV_g)^-1`` (DWLS), by Gauss-Newton (``fmin = F``);
* ``chisq = 2 N F = sum_g (n_g - 1) r_g' W_g r_g`` (lavaan's n - 1 for WLS estimators);
  ``vcov = E^-1 [sum_g f_g Delta_g' W_g Gamma_g W_g Delta_g] E^-1 / (N - G)`` with ``f_g = n_g/N`` and
  ``E = sum_g f_g Delta_g' W_g Delta_g`` (robust.sem; Muthen, du Toit & Spisic 1997); the RMSEA family
  uses ``N - G`` as lavaan does for DWLS;
* scaled-shifted test (Asparouhov & Muthen 2010): with ``U = V - V Delta E^-1 Delta' V`` (``V`` the
  block-diagonal ``f_g W_g``) and ``Gamma = blockdiag(Gamma_g / f_g)``,
  ``a = sqrt(df / tr((U Gamma)^2))``, ``chisq_scaled = a chisq + df - a tr(U Gamma)``; the reported
  ``chisq_scaling_factor`` is ``1/a`` (lavaan).

Not available yet: continuous and ordered indicators mixed, exogenous covariates, the theta
parameterization, missing data other than listwise, and modification indices. lavTestLRT's
``satorra.2000`` difference test for ``invariance()`` with WLSMV is in :mod:`engagesurvey.sem.wls_diff`.

Checked against ``lavaan::cfa(model, data, ordered = TRUE)`` 0.6-14 (tests/reference/sem_wlsmv.R):
single group, ``std.lv``, two groups configural and with ``group.equal = c("thresholds", "loadings")``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._prep import check_finite
from ..errors import ConvergenceError, EngageSurveyError
from .categorical import CatStats, cat_stats, ordered_codes
from .ml import GroupData, check_identification, start_values
from .model import Model
from .partable import Names, _number_free, build_partable

WLS_GROUP_EQUAL = ("loadings", "thresholds", "lv.variances", "lv.covariances", "means", "regressions",
                   "residual.covariances")


# ----------------------------------------------------------------------------------- parameter table
def cat_partable(formulas, names: Names, ov: list, stats: list[CatStats], *, std_lv: bool, group_equal):
    """lavaan's parameter table for ordered indicators (delta parameterization)."""
    ngroups = len(stats)
    ge = tuple(group_equal)
    pt0, _ = build_partable(formulas, ngroups=ngroups, std_lv=std_lv, meanstructure=False,
                            group_equal=[g for g in ge if g != "thresholds"], fixed_x=False, ov_order=ov)
    pt0["free"] = pt0["free"] > 0
    ovs = set(ov)
    resvar = (pt0["op"] == "~~") & (pt0["lhs"] == pt0["rhs"]) & pt0["lhs"].isin(ovs)
    pt0.loc[resvar, "free"] = False
    pt0.loc[resvar, "ustart"] = 1.0
    th_equal = "thresholds" in ge and ngroups > 1
    blocks = []
    base = dict(user=0, start=np.nan, exo=0, line=0)
    for g in range(1, ngroups + 1):
        sub = pt0[pt0["group"] == g]
        st = stats[g - 1]
        th_rows = []
        for j, v in enumerate(ov):
            for t in range(int(st.nlev[j]) - 1):
                th_rows.append(dict(lhs=v, op="|", rhs=f"t{t + 1}", group=g, free=True, ustart=np.nan,
                                    label=f".th.{v}.t{t + 1}." if th_equal else "", **base))
        scale_free = g > 1 and th_equal
        tail = [dict(lhs=v, op="~*~", rhs=v, group=g, free=scale_free, ustart=np.nan if scale_free else 1.0,
                     label="", **base) for v in ov]
        tail += [dict(lhs=v, op="~1", rhs="", group=g, free=False, ustart=0.0, label="", **base) for v in ov]
        mean_free = g > 1 and th_equal and "means" not in ge
        tail += [dict(lhs=f, op="~1", rhs="", group=g, free=mean_free, ustart=np.nan if mean_free else 0.0,
                      label="", **base) for f in names.lv]
        blocks += [sub[sub["user"] == 1], pd.DataFrame(th_rows), sub[sub["user"] != 1], pd.DataFrame(tail)]
    pt = pd.concat(blocks, ignore_index=True)
    pt["label"] = pt["label"].fillna("").astype(object)
    _number_free(pt)
    return pt


# ----------------------------------------------------------------------------------- the model
class CatModel(Model):
    """:class:`Model` plus thresholds and scale factors; residual variances follow from diag(Sigma*) = 1."""

    def __init__(self, pt, names, ov, ngroups, stats):
        super().__init__(pt, names, ov, ngroups)
        p = len(ov)
        ov_i = {v: i for i, v in enumerate(ov)}
        lhs, op, rhs = pt["lhs"].tolist(), pt["op"].tolist(), pt["rhs"].tolist()
        free, grp, ust = pt["free"].to_numpy(int), pt["group"].to_numpy(int), pt["ustart"].to_numpy(float)
        self.th_k, self.th_fix, self.sc_k, self.sc_fix, self.stats = [], [], [], [], stats
        self.th_rows, self.sc_rows, self.res_rows = [], [], []
        for g in range(1, ngroups + 1):
            th_rows = [r for r in range(len(pt)) if grp[r] == g and op[r] == "|"]
            sc_rows = [-1] * p
            res_rows = [-1] * p
            for r in range(len(pt)):
                if grp[r] != g:
                    continue
                if op[r] == "~*~":
                    sc_rows[ov_i[lhs[r]]] = r
                elif op[r] == "~~" and lhs[r] == rhs[r] and lhs[r] in ov_i:
                    res_rows[ov_i[lhs[r]]] = r
            self.th_rows.append(np.array(th_rows, dtype=int))
            self.th_k.append(free[th_rows] - 1)
            self.th_fix.append(ust[th_rows])
            self.sc_rows.append(np.array(sc_rows))
            self.sc_k.append(free[sc_rows] - 1)
            self.sc_fix.append(np.where(np.isfinite(ust[sc_rows]), ust[sc_rows], 1.0))
            self.res_rows.append(np.array(res_rows))

    def scales(self, x, g):
        k = self.sc_k[g]
        return np.where(k >= 0, x[np.maximum(k, 0)], self.sc_fix[g])

    def thresholds(self, x, g):
        k = self.th_k[g]
        return np.where(k >= 0, x[np.maximum(k, 0)], self.th_fix[g])

    def matrices(self, x, g):
        M = super().matrices(x, g)
        m = M["beta"].shape[0]
        A = np.linalg.inv(np.eye(m) - M["beta"]) if M["beta"].any() else np.eye(m)
        L = M["lambda"] @ A
        common = np.einsum("ij,jk,ik->i", L, M["psi"], L)
        d = self.scales(x, g)
        idx = np.arange(len(d))
        M["theta"][idx, idx] = 1.0 / d ** 2 - common
        return M

    def values(self, x):
        est = super().values(x)
        for g in range(self.ngroups):
            M = self.matrices(x, g)
            est[self.res_rows[g]] = np.diag(M["theta"])
            est[self.sc_rows[g]] = self.scales(x, g)
        return est

    def wls_est(self, x, g, jac=False):
        """Implied (thresholds, correlations) of group ``g`` and, if ``jac``, their Jacobian."""
        st = self.stats[g]
        sigma, mu, aux = self.implied(x, g)
        D = self.scales(x, g)
        tau = self.thresholds(x, g)
        tv = st.th_var
        ii, jj = st.pairs
        centred = tau - mu[tv]
        est = np.concatenate([D[tv] * centred, D[ii] * D[jj] * sigma[ii, jj]])
        if not jac:
            return est
        T = len(tau)
        dS, dm = self.delta(x, g, aux)
        J = np.empty((len(est), self.npar))
        J[:T] = -(D[tv] * dm[:, tv]).T
        J[T:] = (D[ii] * D[jj] * dS[:, ii, jj]).T
        k = self.th_k[g]
        ok = k >= 0
        np.add.at(J, (np.flatnonzero(ok), k[ok]), D[tv][ok])
        for v in np.flatnonzero(self.sc_k[g] >= 0):
            kv = self.sc_k[g][v]
            J[:T, kv] += np.where(tv == v, centred, 0.0)
            J[T:, kv] += np.where(ii == v, D[jj] * sigma[ii, jj], 0.0) + np.where(jj == v, D[ii] * sigma[ii, jj], 0.0)
        return est, J


# ----------------------------------------------------------------------------------- estimation
def prepare_ordered(data: pd.DataFrame, ov: list, group, ordered) -> tuple[list, list, tuple]:
    """Group labels, per-group :class:`CatStats` (listwise complete rows of the model's variables) and the
    row accounting ``(total rows, {reason: rows excluded})`` (see ``estimate.row_exclusions``)."""
    from .estimate import row_exclusions

    if not isinstance(data, pd.DataFrame):
        raise EngageSurveyError("ordered indicators need the raw data as a DataFrame")
    miss = [v for v in ov if v not in data.columns]
    if miss:
        raise EngageSurveyError(f"variable {miss[0]!r} in the model is not a column of the data")
    if ordered is not True:
        ordered = [ordered] if isinstance(ordered, str) else list(ordered)
        unknown = [v for v in ordered if v not in data.columns]
        if unknown:
            raise EngageSurveyError(f"ordered names {unknown[0]!r}, which is not a column of the data")
        cont = [v for v in ov if v not in ordered]
        if cont:
            raise EngageSurveyError(f"variable {cont[0]!r} is not in ordered; mixing continuous and ordered "
                                    "indicators is not supported yet (give ordered=True)")
    cols = {}
    for v in ov:
        s = data[v]
        conv = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s
        bad = s[pd.isna(conv) & s.notna()]
        if len(bad):
            raise EngageSurveyError(f"column {v!r} is not numeric (row {bad.index[0]!r}, value {bad.iloc[0]!r})")
        cols[v] = np.asarray(conv, dtype=float)
    Y = np.column_stack([cols[v] for v in ov])
    check_finite(Y, ov, data.index, "data")
    if group is not None:
        if group not in data.columns:
            raise EngageSurveyError(f"group column {group!r} is not a column of the data")
        keep = pd.notna(data[group]).to_numpy()
        gcol = data[group].to_numpy(dtype=object)
        labels = list(pd.unique(data[group].dropna()))
    else:
        keep, gcol, labels = np.ones(len(data), bool), None, [None]
    excluded = row_exclusions(keep, Y, group, "listwise", stacklevel=6)
    complete = keep & ~np.isnan(Y).any(axis=1)
    codes, nlev = ordered_codes(Y[complete], ov)
    gsel = None if gcol is None else gcol[complete]
    stats = []
    for lab in labels:
        C = codes if lab is None else codes[gsel == lab]
        if len(C) <= len(ov):
            raise EngageSurveyError(f"too few complete rows ({len(C)}) for {len(ov)} variables"
                                    + (f" in group {lab!r}" if lab is not None else ""))
        stats.append(cat_stats(C, nlev, ov, group=lab))
    return labels, stats, (len(data), excluded)


def _objective(model: CatModel, x, stats, fg):
    total = 0.0
    for g, st in enumerate(stats):
        r = st.obs - model.wls_est(x, g)
        total += fg[g] * 0.5 * np.sum(st.wls_vd * r * r)
    return total


def _gn_terms(model, x, stats, fg):
    F, grad, E = 0.0, np.zeros(model.npar), np.zeros((model.npar, model.npar))
    Js = []
    for g, st in enumerate(stats):
        est, J = model.wls_est(x, g, jac=True)
        r = st.obs - est
        vd = st.wls_vd
        F += fg[g] * 0.5 * np.sum(vd * r * r)
        grad -= fg[g] * J.T @ (vd * r)
        E += fg[g] * (J.T * vd) @ J
        Js.append(J)
    return F, grad, E, Js


def fit_dwls(model: CatModel, x0, stats, fg, *, max_iter=500):
    """Gauss-Newton with step halving on lavaan's DWLS objective; returns (x, iterations)."""
    x = x0.copy()
    F, grad, E, _ = _gn_terms(model, x, stats, fg)
    check_identification(model, E)
    for it in range(1, max_iter + 1):
        step = np.linalg.solve(E + 1e-12 * np.trace(E) * np.eye(len(x)), -grad)
        t = 1.0
        while t > 1e-10:
            xn = x + t * step
            Fn = _objective(model, xn, stats, fg)
            if np.isfinite(Fn) and Fn <= F + 1e-4 * t * (grad @ step) + 1e-15 * abs(F):
                break
            t *= 0.5
        else:
            break
        x = xn
        F, grad, E, _ = _gn_terms(model, x, stats, fg)
        if np.max(np.abs(grad)) < 1e-11 or np.max(np.abs(t * step)) < 1e-11:
            return x, it
    if np.max(np.abs(grad)) > 1e-6:
        raise ConvergenceError(f"the DWLS fit did not converge (largest gradient {np.max(np.abs(grad)):.3g})")
    return x, max_iter


def dwls_start(model: CatModel, stats, names):
    """Loadings and latent (co)variances from the ML start rules applied to the polychoric matrix;
    thresholds at their sample values, scale factors 1, latent means 0."""
    groups = [GroupData(st.n, st.cor, np.zeros(len(model.ov)), []) for st in stats]
    x = start_values(model, groups)
    # the sign of a factor is arbitrary under std_lv: start with its first loading positive (as lavaan)
    pt = model.pt
    for g in range(model.ngroups):
        for f in names.lv:
            rows = np.flatnonzero((pt["lhs"].to_numpy() == f) & (pt["op"].to_numpy() == "=~")
                                  & (model.row_group == g + 1))
            k = model.row_free[rows] - 1
            if len(rows) and k[0] >= 0 and x[k[0]] < 0:
                x[k[k >= 0]] *= -1.0
    for g, st in enumerate(stats):
        k = model.th_k[g]
        x[k[k >= 0]] = st.th[k >= 0]
        ks = model.sc_k[g]
        x[ks[ks >= 0]] = 1.0
    return x


def robust_parts(model, x, stats, fg, ngroups):
    """E^-1 (E the expected information per unit), the per-group Jacobians and the robust.sem vcov
    (lavaan divides by N - G for DWLS)."""
    N = sum(st.n for st in stats) - ngroups
    F, _, E, Js = _gn_terms(model, x, stats, fg)
    E_inv = np.linalg.inv(E)
    B = np.zeros_like(E)
    for g, (st, J) in enumerate(zip(stats, Js)):
        WD = st.wls_vd[:, None] * J
        B += fg[g] * WD.T @ st.gamma @ WD
    vcov = E_inv @ B @ E_inv / N
    return F, E_inv, Js, vcov


def ug_traces(stats, fg, Js, E_inv):
    """tr(U Gamma) and tr((U Gamma)^2) of lavaan's lav_test_satorra_bentler_trace_original."""
    V = np.concatenate([fg[g] * st.wls_vd for g, st in enumerate(stats)])
    sizes = [len(st.wls_vd) for st in stats]
    Gam = np.zeros((sum(sizes), sum(sizes)))
    o = 0
    for g, st in enumerate(stats):
        Gam[o:o + sizes[g], o:o + sizes[g]] = st.gamma / fg[g]
        o += sizes[g]
    VD = V[:, None] * np.vstack(Js)
    U = np.diag(V) - VD @ E_inv @ VD.T
    UG = U @ Gam
    return float(np.sum(U * Gam)), float(np.sum(UG * UG.T))


def scaled_shifted(chisq, df, tr_ug, tr_ug2):
    """(chisq_scaled, scaling factor 1/a, shift b) of lavaan's scaled.shifted test."""
    if df <= 0:
        return np.nan, np.nan, np.nan
    a = np.sqrt(df / tr_ug2)
    b = df - a * tr_ug
    return a * chisq + b, 1.0 / a, b


# ----------------------------------------------------------------------------------- entry point
def fit_wlsmv(model: str, data, formulas, *, ordered, group, group_equal, std_lv, kind):
    """Fit ``model`` to ordered indicators by WLSMV (called by ``cfa``/``sem``); returns SEMResult."""
    from .estimate import Engine, _estimate_table, _free_names
    from .result import SEMResult
    from .wls_fit import catml_robust, wls_fit_measures, wls_srmr

    bad = [g for g in group_equal if g not in WLS_GROUP_EQUAL]
    if bad:
        raise EngageSurveyError(f"group_equal {bad[0]!r} is not available with ordered indicators; use "
                                f"{', '.join(WLS_GROUP_EQUAL)}")
    names = Names(formulas)
    if names.dummy:
        raise EngageSurveyError(f"observed variable {names.dummy[0]!r} in a regression or covariance with a "
                                "latent variable is not supported with ordered indicators yet")
    if any(f.op == "~1" for f in formulas):
        raise EngageSurveyError("intercepts (~1) cannot be given for ordered indicators (they are fixed to 0)")
    ov = names.ov
    labels, stats, (ntotal, excluded) = prepare_ordered(data, ov, group, ordered)
    pt = cat_partable(formulas, names, ov, stats, std_lv=std_lv, group_equal=group_equal)
    mdl = CatModel(pt, names, ov, len(stats), stats)
    N = sum(st.n for st in stats)
    fg = np.array([st.n / N for st in stats])
    fw = np.array([(st.n - 1) / N for st in stats])  # lavaan's (n_g - 1)/n_g factor of the WLS objective
    x0 = dwls_start(mdl, stats, names)
    x, iters = fit_dwls(mdl, x0, stats, fw)
    F = _objective(mdl, x, stats, fw)
    _, E_inv, Js, vcov = robust_parts(mdl, x, stats, fg, len(stats))
    npar = mdl.npar
    nstat = sum(len(st.obs) for st in stats)
    df = nstat - npar
    chisq = 2.0 * N * F
    tr1, tr2 = ug_traces(stats, fg, Js, E_inv)
    scaled = scaled_shifted(chisq, df, tr1, tr2)
    # independence model: thresholds free per group, correlations 0 -> thresholds fit exactly
    X2b, dfb, Jb, Eb = 0.0, 0, [], None
    T_all = [len(st.th) for st in stats]
    nb = sum(T_all)
    o = 0
    for g, st in enumerate(stats):
        T = T_all[g]
        X2b += (st.n - 1) * np.sum(st.wls_vd[T:] * st.cor[st.pairs] ** 2)
        dfb += len(st.obs) - T
        J = np.zeros((len(st.obs), nb))
        J[np.arange(T), o + np.arange(T)] = 1.0
        Jb.append(J)
        o += T
    Eb = sum(fg[g] * (J.T * st.wls_vd) @ J for g, (st, J) in enumerate(zip(stats, Jb)))
    tb1, tb2 = ug_traces(stats, fg, Jb, np.linalg.inv(Eb))
    Xbs, cfb, _ = scaled_shifted(X2b, dfb, tb1, tb2)
    robust = catml_robust(mdl, x, stats, fg, Js, E_inv, df, dfb)
    fm = wls_fit_measures(chisq=chisq, df=df, npar=npar, N=N - len(stats), G=len(stats), fmin=F, scaled=scaled,
                          base=(X2b, dfb, Xbs, cfb), robust=robust, srmr_parts=wls_srmr(mdl, x, stats, N))
    engine = Engine(mdl, None, stats, x, np.linalg.inv(E_inv), True, "WLSMV", "listwise", labels, formulas,
                    dict(std_lv=std_lv, fixed_x=False, group_equal=tuple(group_equal), kind=kind,
                         parameterization="delta"))
    est = mdl.values(x)
    table = _estimate_table(engine, est, vcov, labels)
    _standardize_cat(table, mdl, x, len(pt))
    free_names = _free_names(pt, npar)
    return SEMResult(estimates=table, fit_measures=fm, estimator="WLSMV",
                     nobs={lab: st.n for lab, st in zip(labels, stats)}, converged=True, iterations=iters,
                     vcov=pd.DataFrame(vcov, index=free_names, columns=free_names), partable=pt,
                     model=model, ntotal=ntotal, excluded=excluded, _engine=engine)


def _standardize_cat(table: pd.DataFrame, mdl: CatModel, x, nrows: int) -> None:
    """std.lv / std.all of thresholds (tau, tau / sd(y*)) and scale factors (delta, delta sd(y*))."""
    ov_i = {v: i for i, v in enumerate(mdl.ov)}
    sds = [np.sqrt(np.diag(mdl.implied(x, g)[0])) for g in range(mdl.ngroups)]
    op = table["op"].to_numpy()[:nrows]
    lhs = table["lhs"].to_numpy()[:nrows]
    est = table["est"].to_numpy()[:nrows]
    std_lv, std_all = table["std_lv"].to_numpy().copy(), table["std_all"].to_numpy().copy()
    for r in np.flatnonzero((op == "|") | (op == "~*~")):
        sd = sds[mdl.row_group[r] - 1][ov_i[lhs[r]]]
        std_lv[r] = est[r]
        std_all[r] = est[r] / sd if op[r] == "|" else est[r] * sd
    table["std_lv"], table["std_all"] = std_lv, std_all
