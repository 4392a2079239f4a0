"""Moderation (simple slopes, Johnson-Neyman) and PROCESS models 1, 4, 7 and 14.

Moderation (PROCESS model 1): y = b0 + b1 x + b2 w + b3 x w + C g + e, with x and w mean-centred when
``center=True`` (the interaction and its test do not change). The conditional effect of x at w is
b1 + b3 w with SE sqrt(V11 + 2 w V13 + w^2 V33), tested with t (n - p df), at the mean and +-1 SD of w
(SD with n - 1). Johnson-Neyman points are the w where |b1 + b3 w| / SE = t_crit, the roots of
(b3^2 - t^2 V33) w^2 + 2 (b1 b3 - t^2 V13) w + (b1^2 - t^2 V11) = 0 (Bauer & Curran 2005), reported in
w's own metric.

Moderated mediation (Hayes 2015, 2022), x and w (and m in model 14's product) mean-centred:
  model 7  (first stage):  m = a1 x + a2 w + a3 x w;  y = c' x + b m.
           conditional indirect effect (a1 + a3 w) b; index of moderated mediation a3 b.
  model 14 (second stage): m = a x;  y = c' x + b1 m + b2 w + b3 m w.
           conditional indirect effect a (b1 + b3 w); index a b3.
Bootstrap CIs are batched as in :mod:`engagesurvey.models.mediation` (percentile or BCa).

Checked against R ``lm`` with the slopes and Johnson-Neyman roots written out, and lavaan
``se = "bootstrap"`` for the indirect effects (tests/reference/models_moderation.R).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from ..errors import EngageSurveyError
from . import _bootstrap as bt
from ._data import as_list, fmt_table, numeric_frame, ols
from .mediation import CI_METHODS, mediation

W_LABELS = ("-1 SD", "mean", "+1 SD")


@dataclass(repr=False)
class ModerationResult(ResultMixin):
    """Result of :func:`moderation`."""

    x: str
    w: str
    y: str
    n: int
    coef: pd.DataFrame
    interaction: float
    r2: float
    r2_change: float
    simple_slopes: pd.DataFrame
    jn: tuple
    jn_in_range: tuple
    center: bool = True
    covariates: tuple = ()

    def __repr__(self) -> str:
        return f"ModerationResult(x={self.x!r}, w={self.w!r}, y={self.y!r}, interaction={self.interaction:.4f})"

    def to_frame(self) -> pd.DataFrame:
        return self.coef.copy()

    def summary(self) -> str:
        return "\n".join([
            f"Moderation (PROCESS model 1): {self.x} x {self.w} -> {self.y}   n = {self.n}"
            + ("   (x and w mean-centred)" if self.center else ""), "", fmt_table(self.coef), "",
            f"R2 = {self.r2:.4f}; R2 change due to the interaction = {self.r2_change:.4f}", "",
            f"Conditional effects of {self.x} at values of {self.w}:", fmt_table(self.simple_slopes), "",
            f"Johnson-Neyman points ({self.w} metric): {self.jn[0]:.4f}, {self.jn[1]:.4f} "
            f"(within observed range: {self.jn_in_range[0]}, {self.jn_in_range[1]})"])


def _terms(cov):
    return ["Intercept", "x", "w", "x:w", *cov]


def moderation(data, x, w, y, *, covariates=(), center=True, ci=0.95) -> ModerationResult:
    """Two-way interaction x * w on y with simple slopes and the Johnson-Neyman interval.

    Parameters
    ----------
    data : DataFrame
    x, w, y : str
        Focal predictor, moderator, outcome.
    covariates : list of str
    center : bool
        Mean-centre x and w before forming the product (PROCESS ``center=1``); the conditional effects
        and JN points are reported in w's own metric either way.
    ci : float

    Returns
    -------
    ModerationResult
        ``.coef`` (index Intercept, x, w, "x:w" named by the columns; est se t pvalue ci_lower ci_upper),
        ``.interaction``, ``.r2``, ``.r2_change`` (from adding the product), ``.simple_slopes`` (index
        "-1 SD", "mean", "+1 SD": w effect se t pvalue ci_lower ci_upper), ``.jn`` (NaN when the
        equation has no real root) and ``.jn_in_range``.

    References
    ----------
    Aiken, L. S., & West, S. G. (1991). Multiple regression: Testing and interpreting interactions.
    Bauer, D. J., & Curran, P. J. (2005). Multivariate Behavioral Research, 40, 373-400.
    Hayes, A. F. (2022). Introduction to mediation, moderation, and conditional process analysis.
    """
    cov = as_list(covariates)
    _roles(x, w, y, cov)
    frame = numeric_frame(data, [x, w, y, *cov], min_rows=len(cov) + 6)
    xv, wv = frame[x].to_numpy(float), frame[w].to_numpy(float)
    mw = wv.mean() if center else 0.0
    xc = xv - (xv.mean() if center else 0.0)
    wc = wv - mw
    C = frame[cov].to_numpy(float)
    X = np.column_stack([np.ones(len(frame)), xc, wc, xc * wc, C])
    yv = frame[y].to_numpy(float)
    fit = ols(X, yv)
    b, V, df = fit["beta"], fit["vcov"], fit["df"]
    se = np.sqrt(np.diag(V))
    tc = stats.t.ppf(0.5 + ci / 2, df)
    names = ["Intercept", x, w, f"{x}:{w}", *cov]
    coef = pd.DataFrame({"est": b, "se": se, "t": b / se, "pvalue": 2 * stats.t.sf(np.abs(b / se), df),
                         "ci_lower": b - tc * se, "ci_upper": b + tc * se}, index=pd.Index(names, name="term"))
    tss = float(((yv - yv.mean()) ** 2).sum())
    r2 = 1 - float(fit["resid"] @ fit["resid"]) / tss
    fit0 = ols(np.delete(X, 3, axis=1), yv)
    r2_0 = 1 - float(fit0["resid"] @ fit0["resid"]) / tss
    sdw = wv.std(ddof=1)
    wvals = wv.mean() + np.array([-sdw, 0.0, sdw])
    wq = wvals - mw
    eff = b[1] + b[3] * wq
    ese = np.sqrt(V[1, 1] + wq**2 * V[3, 3] + 2 * wq * V[1, 3])
    slopes = pd.DataFrame({"w": wvals, "effect": eff, "se": ese, "t": eff / ese,
                           "pvalue": 2 * stats.t.sf(np.abs(eff / ese), df), "ci_lower": eff - tc * ese,
                           "ci_upper": eff + tc * ese}, index=pd.Index(W_LABELS, name="at"))
    t05 = stats.t.ppf(0.975, df)  # JN at alpha = .05, as PROCESS
    qa = b[3] ** 2 - t05**2 * V[3, 3]
    qb = 2 * (b[1] * b[3] - t05**2 * V[1, 3])
    qc = b[1] ** 2 - t05**2 * V[1, 1]
    disc = qb**2 - 4 * qa * qc
    if disc >= 0 and qa != 0:
        roots = np.sort((-qb + np.array([-1.0, 1.0]) * np.sqrt(disc)) / (2 * qa)) + mw
        jn = (float(roots[0]), float(roots[1]))
    else:
        jn = (np.nan, np.nan)
    lo, hi = wv.min(), wv.max()
    inr = tuple(bool(lo <= r <= hi) if np.isfinite(r) else False for r in jn)
    return ModerationResult(x=x, w=w, y=y, n=len(frame), coef=coef, interaction=float(b[3]), r2=r2,
                            r2_change=r2 - r2_0, simple_slopes=slopes, jn=jn, jn_in_range=inr, center=center,
                            covariates=tuple(cov))


def _roles(*cols):
    flat = [c for c in cols[:-1]] + list(cols[-1])
    for c in cols[:-1]:
        if not isinstance(c, str):
            raise EngageSurveyError(f"expected one column name, got {c!r}")
    dup = {c for c in flat if flat.count(c) > 1}
    if dup:
        raise EngageSurveyError(f"a column plays two roles in the model: {', '.join(sorted(map(str, dup)))}")


@dataclass(repr=False)
class ProcessResult(ResultMixin):
    """Result of :func:`process`: ``.table`` (paths), ``.conditional`` (conditional indirect effects
    with bootstrap CIs; conditional direct effects for model 1), ``.index`` (moderated mediation)."""

    model: int
    n: int
    table: pd.DataFrame
    conditional: pd.DataFrame
    index: float = np.nan
    index_se: float = np.nan
    index_ci: tuple = (np.nan, np.nan)
    n_boot: int = 0
    ci: float = 0.95
    ci_method: str = "percentile"
    detail: object = None
    draws: pd.DataFrame | None = field(default=None)

    def __repr__(self) -> str:
        return f"ProcessResult(model={self.model}, n={self.n}, index={self.index!r})"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        out = [f"PROCESS model {self.model}   n = {self.n}", "", fmt_table(self.table), "",
               "Conditional effects:", fmt_table(self.conditional)]
        if np.isfinite(self.index):
            out += ["", f"Index of moderated mediation: {self.index:.4f} (boot SE {self.index_se:.4f}, "
                        f"{self.ci:.0%} {self.ci_method} CI {self.index_ci[0]:.4f} to {self.index_ci[1]:.4f}, "
                        f"{self.n_boot} draws)"]
        return "\n".join(out)


def process(data, model: int, x, y, m=None, w=None, *, covariates=(), n_boot=5000, ci=0.95,
            ci_method="percentile", seed=None, center=True) -> ProcessResult:
    """PROCESS models 1 (moderation), 4 (mediation), 7 (first-stage) and 14 (second-stage moderated
    mediation) with batched bootstrap CIs for the conditional indirect effects and the index of
    moderated mediation (Hayes 2015). Conditional values of w: mean - 1 SD, mean, mean + 1 SD.

    References
    ----------
    Hayes, A. F. (2015). An index and test of linear moderated mediation. Multivariate Behavioral
    Research, 50, 1-22.
    """
    cov = as_list(covariates)
    if model == 1:
        if w is None:
            raise EngageSurveyError("PROCESS model 1 needs a moderator w")
        res = moderation(data, x, w, y, covariates=cov, center=center, ci=ci)
        return ProcessResult(model=1, n=res.n, table=res.coef, conditional=res.simple_slopes, ci=ci, detail=res)
    if model == 4:
        if m is None:
            raise EngageSurveyError("PROCESS model 4 needs a mediator m")
        res = mediation(data, x, m, y, covariates=cov, n_boot=n_boot, ci=ci, ci_method=ci_method, seed=seed)
        return ProcessResult(model=4, n=res.n, table=res.table.set_index("path"), conditional=pd.DataFrame(),
                             n_boot=n_boot, ci=ci, ci_method=ci_method, detail=res, draws=res.draws)
    if model not in (7, 14):
        raise EngageSurveyError(f"PROCESS model must be 1, 4, 7 or 14, got {model!r}")
    if m is None or w is None:
        raise EngageSurveyError(f"PROCESS model {model} needs a mediator m and a moderator w")
    _roles(x, m, w, y, cov)
    if ci_method not in ("percentile", "bca"):
        raise EngageSurveyError(f"ci_method must be 'percentile' or 'bca' for model {model}, got {ci_method!r}")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise EngageSurveyError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    if not 0 < ci < 1:
        raise EngageSurveyError(f"ci must be a level in (0, 1), got {ci!r}")
    frame = numeric_frame(data, [x, m, w, y, *cov], min_rows=len(cov) + 8)
    cen = (lambda v: v - v.mean()) if center else (lambda v: v)  # noqa: E731
    xv, mv, wv, yv = (frame[c].to_numpy(float) for c in (x, m, w, y))
    C = frame[cov].to_numpy(float)
    one = np.ones(len(frame))
    ncov = list(range(6, 6 + len(cov)))
    if model == 7:
        Z = np.column_stack([one, cen(xv), cen(wv), cen(xv) * cen(wv), mv, yv, C])
        eqs = {"m": (4, [0, 1, 2, 3, *ncov]), "y": (5, [0, 1, 4, *ncov])}
        labels = {"m": ["Intercept", x, w, f"{x}:{w}", *cov], "y": ["Intercept", x, m, *cov]}
    else:
        Z = np.column_stack([one, cen(xv), cen(mv), cen(wv), cen(mv) * cen(wv), yv, C])
        eqs = {"m": (2, [0, 1, *ncov]), "y": (5, [0, 1, 2, 3, 4, *ncov])}
        labels = {"m": ["Intercept", x, *cov], "y": ["Intercept", x, m, w, f"{m}:{w}", *cov]}
    sdw = wv.std(ddof=1)
    wvals = wv.mean() + np.array([-sdw, 0.0, sdw])
    wq = wvals - (wv.mean() if center else 0.0)

    def effects(M):
        cm = bt.solve_eq(M, eqs["m"][1], eqs["m"][0])
        cy = bt.solve_eq(M, eqs["y"][1], eqs["y"][0])
        if model == 7:
            out = {"index": cm[:, 3] * cy[:, 2]}
            for lab, v in zip(W_LABELS, wq):
                out[lab] = (cm[:, 1] + cm[:, 3] * v) * cy[:, 2]
        else:
            out = {"index": cm[:, 1] * cy[:, 4]}
            for lab, v in zip(W_LABELS, wq):
                out[lab] = cm[:, 1] * (cy[:, 2] + cy[:, 4] * v)
        return out

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    names, t0, draws, se, cis = bt.run(Z, effects, n_boot=n_boot, level=ci, method=ci_method, rng=rng)
    rows = []
    for eq in ("m", "y"):
        yc, xs = eqs[eq]
        f = ols(Z[:, xs], mv if (model == 14 and eq == "m") else Z[:, yc])  # raw m as outcome
        s = np.sqrt(np.diag(f["vcov"]))
        tc = stats.t.ppf(0.5 + ci / 2, f["df"])
        outcome = m if eq == "m" else y
        for j, lab in enumerate(labels[eq]):
            rows.append((outcome, lab, f["beta"][j], s[j], f["beta"][j] / s[j],
                         2 * stats.t.sf(abs(f["beta"][j] / s[j]), f["df"]), f["beta"][j] - tc * s[j],
                         f["beta"][j] + tc * s[j]))
    table = pd.DataFrame(rows, columns=["outcome", "term", "est", "se", "t", "pvalue", "ci_lower", "ci_upper"])
    table = table.set_index(["outcome", "term"])
    cond = pd.DataFrame({"w": wvals, "effect": t0[1:], "se": se[1:], "ci_lower": cis[1:, 0],
                         "ci_upper": cis[1:, 1]}, index=pd.Index(W_LABELS, name="at"))
    return ProcessResult(model=model, n=len(frame), table=table, conditional=cond, index=float(t0[0]),
                         index_se=float(se[0]), index_ci=(float(cis[0, 0]), float(cis[0, 1])), n_boot=int(n_boot),
                         ci=ci, ci_method=ci_method, draws=pd.DataFrame(draws, columns=names))


__all__ = ["moderation", "process", "ModerationResult", "ProcessResult", "CI_METHODS"]
