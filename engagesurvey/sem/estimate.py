"""``cfa()`` / ``sem()``: data preparation, estimation, standard errors and fit measures.

Defaults follow ``lavaan::cfa``/``lavaan::sem`` (0.6-14): ML with the N-denominator sample covariance,
first loading fixed to 1, standard errors from the expected information (complete data ML) or the
observed information (FIML, MLR), MLR = Huber-White sandwich standard errors and the Yuan-Bentler
(Mplus variant) scaled chi-square, FIML for ``missing="fiml"``/``"ml"``.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._prep import check_finite
from ..errors import EngageSurveyError, ModelSyntaxError
from . import fiml as _fiml
from .fit import fit_measures, srmr
from .ml import Block, Fitter, GroupData, check_identification, check_pd, heywood_warnings, start_values
from .model import Model
from .partable import build_partable
from .result import SEMResult
from .syntax import parse_model

ESTIMATORS = ("ML", "MLR", "WLSMV")


@dataclass
class Engine:
    """Everything a fitted model needs for later computations (modification indices, robust tests)."""

    model: Model
    fitter: Fitter
    groups: list
    x: np.ndarray
    info: np.ndarray  # per-unit expected information (ML) at x
    meanstructure: bool
    estimator: str
    missing: str
    group_labels: list
    formulas: list
    options: dict


def _prepare(formulas, data, group, missing, sample_cov, sample_nobs, sample_mean=None):
    """Return (ov names in model order, group labels, list of GroupData, row accounting).

    The row accounting is ``(total rows of data or None, {reason: rows excluded})`` (lavaan's
    "Used / Total"); rows are excluded for a missing group value, for a missing value on the model's
    variables (listwise) or for no observed value on them (FIML), with a warning naming the counts.
    """
    from .partable import Names

    names = Names(formulas)
    ov = names.ov
    if data is None and sample_cov is None:
        raise EngageSurveyError("give data (a DataFrame) or sample_cov with sample_nobs")
    if data is not None and hasattr(data, "cov") and hasattr(data, "n") and not isinstance(data, pd.DataFrame):
        if missing != "listwise":
            raise EngageSurveyError("missing='fiml' needs the raw data; a Moments object holds complete rows only")
        return (*_from_moments(ov, data, group), (None, {}))
    if data is None:
        if sample_nobs is None:
            raise EngageSurveyError("sample_cov needs sample_nobs (the number of observations)")
        return ov, [None], [_from_cov(ov, sample_cov, int(sample_nobs), sample_mean)], (None, {})
    if not isinstance(data, pd.DataFrame):
        raise EngageSurveyError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing_cols = [v for v in ov if v not in data.columns]
    if missing_cols:
        raise EngageSurveyError(f"variable {missing_cols[0]!r} in the model is not a column of the data")
    frame = {}
    numeric = all(np.dtype(t).kind in "fiu" if isinstance(t, np.dtype) else False for t in data[ov].dtypes)
    for v in ([] if numeric else ov):
        s = data[v]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = s[conv.isna() & s.notna()]
            if len(bad):
                raise EngageSurveyError(f"column {v!r} is not numeric (row {bad.index[0]!r}, value {bad.iloc[0]!r})")
            s = conv
        frame[v] = s.astype(float).to_numpy()
    Y = data[ov].to_numpy(dtype=float) if numeric else np.column_stack([frame[v] for v in ov])
    check_finite(Y, ov, data.index, "data")
    if group is not None:
        if group not in data.columns:
            raise EngageSurveyError(f"group column {group!r} is not a column of the data")
        gcol = data[group].to_numpy(dtype=object)
        keep = pd.notna(data[group]).to_numpy()
        labels = list(pd.unique(data[group].dropna()))
    else:
        gcol, keep, labels = np.zeros(len(data), dtype=object), np.ones(len(data), bool), [None]
    excluded = row_exclusions(keep, Y, group, missing)
    out = []
    for lab in labels:
        sel = keep & ((gcol == lab) if group is not None else True)
        Yg = Y[sel]
        if missing == "listwise":
            Yg = Yg[~np.isnan(Yg).any(axis=1)]
            if len(Yg) <= len(ov):
                raise EngageSurveyError(f"too few complete rows ({len(Yg)}) for {len(ov)} variables"
                                        + (f" in group {lab!r}" if lab is not None else ""))
            m = Yg.mean(axis=0)
            C = (Yg - m).T @ (Yg - m) / len(Yg)
            check_pd(C, ov, "the sample covariance matrix" + (f" of group {lab!r}" if lab is not None else ""))
            out.append(GroupData(len(Yg), C, m, [Block(len(Yg), np.arange(len(ov)), C, m)], data=Yg))
        else:
            Yg = Yg[~np.isnan(Yg).all(axis=1)]
            empty = [v for j, v in enumerate(ov) if np.isnan(Yg[:, j]).all()]
            if empty:
                raise EngageSurveyError(f"column {empty[0]!r} has no observed values")
            pats = _fiml.patterns(Yg)
            mu, sig, _ = _fiml.em_h1(Yg, pats)
            out.append(GroupData(len(Yg), sig, mu, _fiml.blocks(Yg, pats), data=Yg, patterns=pats))
    return ov, labels, out, (len(data), excluded)


def row_exclusions(keep, Y, group, missing, stacklevel=5) -> dict:
    """{reason: number of rows excluded} for rows of ``Y`` (model variables) outside ``keep`` (a missing
    group value) or, among the kept rows, with a missing value (listwise) or with every model variable
    missing (FIML); warns naming the counts and reasons when any row is excluded."""
    nan = np.isnan(Y)
    incomplete = nan.any(axis=1) if missing == "listwise" else nan.all(axis=1)
    excluded = {}
    if (~keep).sum():
        excluded[f"with a missing value of group column {group!r}"] = int((~keep).sum())
    if (keep & incomplete).sum():
        reason = ("with a missing value on a model variable (listwise deletion)" if missing == "listwise"
                  else "with no observed value on the model's variables")
        excluded[reason] = int((keep & incomplete).sum())
    if excluded:
        n_out = sum(excluded.values())
        detail = "; ".join(f"{v} {k}" for k, v in excluded.items())
        warnings.warn(f"{n_out} of {len(Y)} rows were not used: {detail}", stacklevel=stacklevel)
    return excluded


def _from_moments(ov, moments, group):
    """(ov, group labels, GroupData list) from a Moments object: its complete-row cov, means and n.

    ``group`` None: one group (all rows); True or the Moments' group column: one group per entry of
    ``.groups``, in that order (sorted values for ``Moments.from_frame``; lavaan takes the order of
    ``sample.cov``); a list of group values: those groups in that order (lavaan's ``group.label``).
    """
    if group is None or group is False:
        parts = {None: moments}
    else:
        groups = getattr(moments, "groups", None) or {}
        if not groups:
            raise EngageSurveyError(f"group={group!r} needs a Moments object built with a group column "
                                    "(Moments.from_frame(df, group=...))")
        gcol = getattr(moments, "group", None)
        if group is True or (isinstance(group, str) and group == gcol):
            labels = list(groups)
        elif isinstance(group, (list, tuple)):
            labels = list(group)
            unknown = [g for g in labels if g not in groups]
            if unknown:
                raise EngageSurveyError(f"group value {unknown[0]!r} is not a group of the Moments (grouped by "
                                        f"{gcol!r}: {', '.join(map(repr, groups))})")
            if len(set(labels)) != len(labels) or len(labels) < 2:
                raise EngageSurveyError("group as a list needs at least two distinct group values")
        else:
            raise EngageSurveyError(f"the Moments object is grouped by {gcol!r}, not {group!r}; give "
                                    f"group={gcol!r} or group=True")
        parts = {lab: groups[lab] for lab in labels}
    out = []
    for lab, m in parts.items():
        where = f" in group {lab!r}" if lab is not None else ""
        miss = [v for v in ov if v not in m.cov.columns]
        if miss:
            raise EngageSurveyError(f"variable {miss[0]!r} in the model is not a column of the Moments")
        cov, means, n = _model_moments(m, ov)
        if n <= len(ov):
            raise EngageSurveyError(f"too few complete rows ({n}) for {len(ov)} variables{where}")
        out.append(_from_cov(ov, cov, n, means, what="the sample covariance matrix" + where))
    return ov, list(parts), out


def _model_moments(m, ov):
    """(cov, means, n) of the rows complete on the model's variables ``ov``.

    ``m.cov``/``m.means``/``m.n`` are over rows complete on *all* the Moments' columns. When every
    pair of model variables was observed on the same k rows (``pairwise_n`` constant over ``ov``), those
    k rows are exactly the rows complete on ``ov`` and the pairwise statistics are their listwise ones,
    as a raw-data fit of the model's columns would see them; otherwise the complete-row statistics are
    used, with a warning when rows may have been lost to columns outside the model.
    """
    pn = getattr(m, "pairwise_n", None)
    if pn is None or not all(v in pn.columns for v in ov):
        return m.cov, m.means, m.n
    k = pn.loc[ov, ov].to_numpy()
    if k.min() == k.max() and k.min() > m.n:
        return m.pairwise_cov.loc[ov, ov], m.pairwise_means[ov], int(k.min())
    if k.min() > m.n:
        extra = [str(c) for c in m.cov.columns if c not in ov]
        warnings.warn(f"the Moments' {m.n} complete rows are counted over all its columns, including "
                      f"{', '.join(extra)} which are not in the model; a raw-data fit of the model's columns "
                      "may keep more rows (build the Moments on the model's variables)", stacklevel=6)
    return m.cov, m.means, m.n


def _from_cov(ov, cov, n, mean, what="sample_cov"):
    if not isinstance(cov, pd.DataFrame):
        raise EngageSurveyError("sample_cov must be a DataFrame with variable names as index and columns")
    miss = [v for v in ov if v not in cov.columns or v not in cov.index]
    if miss:
        raise EngageSurveyError(f"variable {miss[0]!r} in the model is not in sample_cov")
    C = cov.loc[ov, ov].to_numpy(dtype=float) * (n - 1) / n
    check_pd(C, ov, what)
    m = np.zeros(len(ov)) if mean is None else pd.Series(mean)[ov].to_numpy(dtype=float)
    return GroupData(int(n), C, m, [Block(int(n), np.arange(len(ov)), C, None if mean is None else m)])


def fit_model(model: str, data=None, *, estimator="ML", ordered=None, group=None, group_equal=(),
              missing="listwise", sample_cov=None, sample_nobs=None, std_lv=False, meanstructure=None,
              fixed_x=True, kind="sem", _engine_only=False) -> SEMResult:
    est_name = str(estimator).upper()
    if est_name == "WLSMV" or (ordered is not None and ordered is not False and (
            not isinstance(ordered, (list, tuple)) or len(ordered) > 0)):
        if est_name not in ("WLSMV", "ML"):
            raise EngageSurveyError(f"estimator {estimator!r} is not available with ordered indicators; use "
                                    "WLSMV (the default for ordered data)")
        if not ordered:
            raise EngageSurveyError("estimator WLSMV needs ordered indicators: give ordered=True or a list "
                                    "of the ordered columns")
        if str(missing).lower() != "listwise":
            raise EngageSurveyError("ordered indicators need missing='listwise'")
        if data is None or not isinstance(data, pd.DataFrame):
            raise EngageSurveyError("ordered indicators need the raw data (a DataFrame), not sample_cov")
        from .wls import fit_wlsmv

        if isinstance(group_equal, str):
            group_equal = (group_equal,)
        return fit_wlsmv(model, data, parse_model(model), ordered=ordered, group=group,
                         group_equal=tuple(group_equal), std_lv=std_lv, kind=kind)
    if est_name in ("DWLS", "WLS"):
        raise EngageSurveyError(f"estimator {est_name} is not available; use WLSMV with ordered indicators")
    if est_name not in ESTIMATORS:
        raise EngageSurveyError(f"unknown estimator {estimator!r}; use one of {', '.join(ESTIMATORS)}")
    missing = {"ml": "fiml", "fiml": "fiml", "listwise": "listwise"}.get(str(missing).lower())
    if missing is None:
        raise EngageSurveyError("missing must be 'listwise' or 'fiml' ('ml')")
    if isinstance(group_equal, str):
        group_equal = (group_equal,)
    formulas = parse_model(model)
    if est_name == "MLR" and data is None or (est_name == "MLR" and not isinstance(data, pd.DataFrame)):
        raise EngageSurveyError("estimator MLR needs the raw data (not sample_cov or Moments)")
    if est_name == "MLR" and missing == "fiml":
        raise EngageSurveyError("MLR with missing='fiml' is not available yet")
    ov, labels, groups, (ntotal, excluded) = _prepare(formulas, data, group, missing, sample_cov, sample_nobs)
    ngroups = len(labels)
    if meanstructure is None:
        meanstructure = any(f.op == "~1" for f in formulas) or ngroups > 1 or missing == "fiml"
    if not meanstructure:
        for gd in groups:
            for b in gd.blocks:
                b.mean = None
    elif any(b.mean is None for gd in groups for b in gd.blocks):
        raise EngageSurveyError("a mean structure needs sample means (give data, not only sample_cov)")
    pt, names = build_partable(formulas, ngroups=ngroups, std_lv=std_lv, meanstructure=meanstructure,
                               group_equal=group_equal, fixed_x=fixed_x,
                               sample_cov=[g.cov for g in groups], sample_mean=[g.mean for g in groups],
                               ov_order=ov)
    mdl = Model(pt, names, ov, ngroups)
    fitter = Fitter(mdl, groups)
    x0 = start_values(mdl, groups)
    check_identification(mdl, fitter.evaluate(x0)[2])
    x, iters = fitter.fit(x0)
    F, grad, info = fitter.evaluate(x)
    check_identification(mdl, info)
    engine = Engine(mdl, fitter, groups, x, info, meanstructure, est_name, missing, labels, formulas,
                    dict(std_lv=std_lv, fixed_x=fixed_x, group_equal=tuple(group_equal), kind=kind))
    if _engine_only:
        return engine
    N = fitter.N
    from . import robust

    if est_name == "MLR":
        vcov = robust.sandwich_vcov(engine)
    elif missing == "fiml":
        vcov = np.linalg.inv(N * 0.5 * fitter.hessian(x))
    else:
        vcov = np.linalg.inv(N * info)
    est = mdl.values(x)
    heywood_warnings(mdl, est)
    table = _estimate_table(engine, est, vcov, labels)
    fm = _fit_measures(engine, F)
    free_names = _free_names(pt, mdl.npar)
    return SEMResult(estimates=table, fit_measures=fm, estimator=est_name,
                     nobs={lab: g.n for lab, g in zip(labels, groups)}, converged=True, iterations=iters,
                     vcov=pd.DataFrame(vcov, index=free_names, columns=free_names), partable=pt,
                     model=model, ntotal=ntotal, excluded=excluded, _engine=engine)


def _free_names(pt, npar):
    out = [""] * npar
    for lhs, op, rhs, g, k, lab in zip(pt["lhs"].tolist(), pt["op"].tolist(), pt["rhs"].tolist(),
                                       pt["group"].tolist(), pt["free"].tolist(), pt["label"].tolist()):
        if k > 0 and not out[k - 1]:
            out[k - 1] = lab if lab else f"{lhs}{op}{rhs}.g{g}"
    return out


# ---------------------------------------------------------------- standardized and defined parameters
def standardize(engine: Engine, est: np.ndarray):
    """std.lv and std.all of every row (lavaan's standardizedSolution, type "std.lv"/"std.all")."""
    mdl, pt = engine.model, engine.model.pt
    std_lv = np.full(len(pt), np.nan)
    std_all = np.full(len(pt), np.nan)
    x = engine.x
    lv_i = {v: i for i, v in enumerate(mdl.lv)}
    ov_i = {v: i for i, v in enumerate(mdl.ov)}
    dummy = set(mdl.names.dummy)
    for g in range(mdl.ngroups):
        sigma, mu, aux = mdl.implied(x, g)
        V = aux["V"]
        M = aux["M"]

        def sd(v, kind):
            if v in lv_i and v not in dummy:
                return np.sqrt(V[lv_i[v], lv_i[v]])
            if kind == "lv":
                return 1.0
            return np.sqrt(sigma[ov_i[v], ov_i[v]])

        rows = np.flatnonzero(mdl.row_group == g + 1)
        c_lhs, c_op, c_rhs = pt["lhs"].tolist(), pt["op"].tolist(), pt["rhs"].tolist()
        for r in rows:
            lhs, op, rhs, e = c_lhs[r], c_op[r], c_rhs[r], est[r]
            for kind, outarr in (("lv", std_lv), ("all", std_all)):
                if op == "=~":
                    outarr[r] = e * sd(lhs, kind) / sd(rhs, kind)
                elif op == "~":
                    outarr[r] = e * sd(rhs, kind) / sd(lhs, kind)
                elif op == "~1":
                    outarr[r] = e / sd(lhs, kind)
                elif op == "~~" and lhs == rhs:
                    outarr[r] = e / sd(lhs, kind) ** 2
                elif op == "~~":
                    mat, i, j = mdl.where[r]
                    Mx = M[mat]
                    if mat == "theta" and kind == "lv":
                        outarr[r] = e
                    else:
                        vi, vj = Mx[i, i], Mx[j, j]
                        outarr[r] = e / np.sqrt(vi * vj) if vi > 0 and vj > 0 else np.nan
    return std_lv, std_all


_SAFE = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs, "pi": math.pi}


def _defined(engine: Engine, values_by_label: dict) -> dict:
    out = {}
    env = dict(values_by_label)
    for f in engine.formulas:
        if f.op != ":=":
            continue
        code = compile(ast.parse(f.rhs.replace("^", "**"), mode="eval"), "<defined>", "eval")
        for name in code.co_names:
            if name not in env and name not in _SAFE:
                raise ModelSyntaxError(f"line {f.line}: unknown label {name!r} in {f.lhs} := {f.rhs}")
        val = float(eval(code, {"__builtins__": {}}, {**_SAFE, **env}))  # noqa: S307 (names checked)
        env[f.lhs] = val
        out[f.lhs] = val
    return out


def _labels(pt, values):
    out = {}
    for lab, v in zip(pt["label"], values):
        if lab and lab not in out:
            out[lab] = float(v)
    return out


def _estimate_table(engine: Engine, est, vcov, labels) -> pd.DataFrame:
    mdl, pt = engine.model, engine.model.pt
    se = np.zeros(len(pt))
    free = mdl.row_free > 0
    se[free] = np.sqrt(np.clip(np.diag(vcov), 0, None))[mdl.row_free[free] - 1]
    std_lv, std_all = standardize(engine, est)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free & (se > 0), est / se, np.nan)
    lhs, op, rhs = pt["lhs"].tolist(), pt["op"].tolist(), pt["rhs"].tolist()
    label = pt["label"].tolist()
    group = [labels[g - 1] for g in mdl.row_group]
    # defined parameters: delta method with a numerical Jacobian
    if any(f.op == ":=" for f in engine.formulas):
        def fn(xv):
            return _defined(engine, _labels(pt, mdl.values(xv)))

        base = fn(engine.x)
        names = list(base)
        J = np.zeros((len(names), mdl.npar))
        for k in range(mdl.npar):
            h = 1e-6 * max(1.0, abs(engine.x[k]))
            xp, xm = engine.x.copy(), engine.x.copy()
            xp[k] += h
            xm[k] -= h
            fp, fmv = fn(xp), fn(xm)
            J[:, k] = [(fp[n] - fmv[n]) / (2 * h) for n in names]
        dse = np.sqrt(np.clip(np.diag(J @ vcov @ J.T), 0, None))
        d_lv = _defined(engine, _labels(pt, std_lv))
        d_all = _defined(engine, _labels(pt, std_all))
        rhs_def = {f.lhs: f.rhs for f in engine.formulas if f.op == ":="}
        dest = np.array([base[n] for n in names])
        lhs, op, rhs = lhs + names, op + [":="] * len(names), rhs + [rhs_def[n] for n in names]
        label, group = label + names, group + [None] * len(names)
        est, se = np.concatenate([est, dest]), np.concatenate([se, dse])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.concatenate([z, np.where(dse > 0, dest / dse, np.nan)])
        std_lv = np.concatenate([std_lv, [d_lv[n] for n in names]])
        std_all = np.concatenate([std_all, [d_all[n] for n in names]])
    q = stats.norm.ppf(0.975)
    return pd.DataFrame({"lhs": lhs, "op": op, "rhs": rhs, "group": pd.Series(group, dtype=object),
                         "label": label, "est": est, "se": se, "z": z,
                         "pvalue": 2 * stats.norm.sf(np.abs(z)), "ci_lower": est - q * se,
                         "ci_upper": est + q * se, "std_lv": std_lv, "std_all": std_all})


# ---------------------------------------------------------------- fit measures
def _h1_F(engine: Engine) -> float:
    total = 0.0
    for gd in engine.groups:
        if engine.missing == "fiml":
            total += -2.0 * _fiml.loglik(gd.blocks, gd.cov, gd.mean)
        else:
            p = gd.cov.shape[0]
            total += gd.n * (p * np.log(2 * np.pi) + np.linalg.slogdet(gd.cov)[1] + p)
    return total / engine.fitter.N


def _baseline(engine: Engine):
    """Independence model: chisq and df (fixed.x covariates keep their observed covariances)."""
    from . import robust

    base = robust.baseline_engine(engine)
    F0, _, _ = base.fitter.evaluate(base.x, info=False)
    return base, F0


def _df(engine: Engine, npar: int) -> int:
    nx = len(engine.model.names.ov_x) if engine.options["fixed_x"] else 0
    total = 0
    for gd in engine.groups:
        p = gd.cov.shape[0]
        total += p * (p + 1) // 2 + (p if engine.meanstructure else 0)
        total -= nx * (nx + 1) // 2 + (nx if engine.meanstructure else 0)
    return total - npar


def _fit_measures(engine: Engine, F: float) -> dict:
    N = engine.fitter.N
    G = len(engine.groups)
    F1 = _h1_F(engine)
    npar = engine.model.npar
    chisq = max(N * (F - F1), 0.0)
    df = _df(engine, npar)
    simple = engine.missing == "listwise" and engine.estimator == "ML" and not (
        engine.options["fixed_x"] and engine.model.names.ov_x)
    if simple:  # independence model in closed form: Sigma = diag(S), saturated means
        X2b = sum(g.n * (np.log(np.diag(g.cov)).sum() - np.linalg.slogdet(g.cov)[1]) for g in engine.groups)
        dfb = sum(g.cov.shape[0] * (g.cov.shape[0] - 1) // 2 for g in engine.groups)
    else:
        base, F0 = _baseline(engine)
        X2b = N * (F0 - F1)
        dfb = _df(base, base.model.npar)
    implied = [engine.model.implied(engine.x, g)[:2] for g in range(G)]
    scaled = None
    if engine.estimator == "MLR":
        from . import robust

        c = robust.yb_scaling(engine) / df if df > 0 else np.nan
        base = _baseline(engine)[0]
        cb = robust.yb_scaling(base) / dfb
        scaled = dict(c=c, cb=cb)
    out = fit_measures(chisq=chisq, df=df, npar=npar, N=N, G=G, loglik=-0.5 * N * F, loglik_h1=-0.5 * N * F1,
                       X2b=X2b, dfb=dfb, srmr_value=srmr(engine.groups, implied, engine.meanstructure),
                       scaled=scaled)
    return out
