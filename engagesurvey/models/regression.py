"""OLS regression with standardised coefficients, HC3 / cluster-robust SEs, VIFs, and R^2 change.

    b = (X'X)^-1 X'y,   V = s^2 (X'X)^-1 with s^2 = e'e / (n - p)               (R ``lm``)
    HC3:     V = (X'X)^-1 X' diag(e_i^2 / (1 - h_ii)^2) X (X'X)^-1             (MacKinnon & White 1985)
    cluster: V = G/(G-1) (n-1)/(n-p) (X'X)^-1 (sum_g X_g'e_g e_g'X_g) (X'X)^-1   (CR1, the Stata /
             statsmodels ``cov_type="cluster"`` / ``sandwich::vcovCL(type="HC1")`` convention)
    standardised b_j* = b_j sd(x_j) / sd(y) (design columns, as ``lm.beta``); VIF_j = [R_xx^-1]_jj
    (equal to 1 / (1 - R_j^2), ``car::vif`` for one-df terms).

Tests use t with n - p df (classical and HC3, as ``lmtest::coeftest``) and t with G - 1 df for
cluster-robust SEs (Stata's, statsmodels ``use_t=True``). Checked against R ``lm``, ``anova`` and the
sandwich formulas written out with matrix algebra in tests/reference/models_regression.R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from ..errors import EngageSurveyError
from ._data import check_columns, check_frame, check_level, design, fmt_table, ols

ROBUST = (None, "HC3")


@dataclass(repr=False)
class RegressionResult(ResultMixin):
    """Result of :func:`regression`. ``.coef`` is indexed by term ("Intercept", then patsy's terms)
    with columns est se t pvalue ci_lower ci_upper std_est vif."""

    formula: str
    n: int
    coef: pd.DataFrame
    r2: float
    adj_r2: float
    f: float
    f_df1: int
    f_df2: int
    f_pvalue: float
    sigma: float
    loglik: float
    aic: float
    bic: float
    robust: str | None = None
    cluster: str | None = None
    n_clusters: int | None = None
    vcov: pd.DataFrame | None = None
    rows: pd.Index | None = None

    def __repr__(self) -> str:
        return f"RegressionResult({self.formula!r}, n={self.n}, r2={self.r2:.4f})"

    @property
    def table(self) -> pd.DataFrame:
        return self.coef

    def to_frame(self) -> pd.DataFrame:
        return self.coef.copy()

    def summary(self) -> str:
        se = ("cluster-robust (CR1, " + f"{self.n_clusters} clusters of {self.cluster!r})") if self.cluster \
            else (self.robust or "classical")
        lines = [f"Call: lm(formula = {self.formula})   n = {self.n}   SE: {se}", "", "Coefficients:",
                 fmt_table(self.coef), "",
                 f"Residual standard error: {self.sigma:.4f} on {self.f_df2} degrees of freedom",
                 f"Multiple R-squared: {self.r2:.4f},\tAdjusted R-squared: {self.adj_r2:.4f}",
                 f"F-statistic: {self.f:.4f} on {self.f_df1} and {self.f_df2} DF,  p-value: {self.f_pvalue:.4g}"]
        return "\n".join(lines)


def _fit_formula(data, formula):
    y, X = design(data, formula)
    return y, X, ols(X.to_numpy(float), y.to_numpy(float))


def regression(data, formula: str, *, robust: str | None = None, cluster: str | None = None,
               ci: float = 0.95) -> RegressionResult:
    """Ordinary least squares from an R-style formula (patsy), as R's ``lm``.

    Parameters
    ----------
    data : DataFrame
    formula : str
        ``"y ~ x1 + x2 + C(group)"`` (patsy; treatment contrasts as R). Rows with a missing value in a
        model column are dropped.
    robust : {None, "HC3"}
        Heteroscedasticity-consistent SEs (HC3).
    cluster : str, optional
        Column of cluster ids for cluster-robust (CR1) SEs; overrides ``robust``.
    ci : float
        Level of the coefficient CIs.

    Returns
    -------
    RegressionResult
        ``.coef`` (est se t pvalue ci_lower ci_upper std_est vif), R^2, adjusted R^2, the overall F test
        (always the classical one, as ``summary.lm``), sigma, logLik / AIC / BIC as R.

    References
    ----------
    MacKinnon, J. G., & White, H. (1985). Journal of Econometrics, 29, 305-325.
    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
    """
    if robust not in ROBUST:
        raise EngageSurveyError(f"robust must be None or 'HC3', got {robust!r}")
    ci = check_level(ci)
    data = check_frame(data)
    if cluster is not None:
        check_columns(data, [cluster], "cluster column")
        data = data[data[cluster].notna()]
    y, X, fit = _fit_formula(data, formula)
    Xv, yv = X.to_numpy(float), y.to_numpy(float)
    n, p = Xv.shape
    beta, e, xtxi, df = fit["beta"], fit["resid"], fit["xtxi"], fit["df"]
    if df < 1:
        raise EngageSurveyError(f"formula {formula!r}: no residual degrees of freedom (n = {n}, p = {p})")
    V = fit["vcov"]
    tdf = df
    n_cl = None
    if cluster is not None:
        codes, uniq = pd.factorize(data.loc[X.index, cluster], sort=True)
        n_cl = len(uniq)
        if n_cl < 2:
            raise EngageSurveyError(f"cluster column {cluster!r} has {n_cl} cluster(s); need at least 2")
        U = np.zeros((n_cl, p))
        np.add.at(U, codes, Xv * e[:, None])
        V = xtxi @ (U.T @ U) @ xtxi * (n_cl / (n_cl - 1)) * ((n - 1) / (n - p))
        tdf = n_cl - 1
    elif robust == "HC3":
        h = np.einsum("ij,jk,ik->i", Xv, xtxi, Xv)
        if np.any(h > 1 - 1e-10):
            raise EngageSurveyError("HC3 is undefined: an observation has leverage 1")
        Xe = Xv * (e / (1 - h))[:, None]
        V = xtxi @ (Xe.T @ Xe) @ xtxi
    se = np.sqrt(np.diag(V))
    t = beta / se
    pval = 2 * stats.t.sf(np.abs(t), tdf)
    tc = stats.t.ppf(0.5 + ci / 2, tdf)
    names = list(X.columns)
    has_int = "Intercept" in names
    slope = [j for j, nm in enumerate(names) if nm != "Intercept"]
    sdy = yv.std(ddof=1)
    std = np.full(p, np.nan)
    std[slope] = beta[slope] * Xv[:, slope].std(axis=0, ddof=1) / sdy
    vif = np.full(p, np.nan)
    if len(slope) >= 2:
        R = np.corrcoef(Xv[:, slope], rowvar=False)
        vif[slope] = np.diag(np.linalg.inv(R))
    elif len(slope) == 1:
        vif[slope] = 1.0
    coef = pd.DataFrame({"est": beta, "se": se, "t": t, "pvalue": pval, "ci_lower": beta - tc * se,
                         "ci_upper": beta + tc * se, "std_est": std, "vif": vif}, index=pd.Index(names, name="term"))
    rss = float(e @ e)
    tss = float(((yv - yv.mean()) ** 2).sum()) if has_int else float(yv @ yv)
    r2 = 1 - rss / tss
    df1 = p - 1 if has_int else p
    adj = 1 - (1 - r2) * (n - (1 if has_int else 0)) / df
    fstat = ((tss - rss) / df1) / (rss / df) if df1 > 0 else np.nan
    fp = float(stats.f.sf(fstat, df1, df)) if df1 > 0 else np.nan
    loglik = -n / 2 * (np.log(2 * np.pi) + np.log(rss / n) + 1)
    k = p + 1
    return RegressionResult(
        formula=formula, n=n, coef=coef, r2=r2, adj_r2=adj, f=float(fstat), f_df1=df1, f_df2=df, f_pvalue=fp,
        sigma=float(np.sqrt(rss / df)), loglik=float(loglik), aic=float(-2 * loglik + 2 * k),
        bic=float(-2 * loglik + np.log(n) * k), robust=robust if cluster is None else None, cluster=cluster,
        n_clusters=n_cl, vcov=pd.DataFrame(V, index=names, columns=names), rows=X.index)


@dataclass(repr=False)
class R2ChangeResult(ResultMixin):
    """Result of :func:`r2_change`: ``.table`` indexed by step with r2 delta_r2 f df1 df2 pvalue."""

    table: pd.DataFrame
    n: int
    steps: list
    fits: list

    def __repr__(self) -> str:
        return f"R2ChangeResult(n={self.n}, steps={len(self.steps)})"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        head = [f"Hierarchical regression (incremental validity), n = {self.n}"]
        head += [f"  step {i + 1}: {f}" for i, f in enumerate(self.steps)]
        return "\n".join(head) + "\n\n" + fmt_table(self.table)


def r2_change(data, steps) -> R2ChangeResult:
    """R^2 change across nested OLS models, each tested against the previous one (R ``anova(m1, m2)``).

    ``F = ((RSS_1 - RSS_2) / (df_1 - df_2)) / (RSS_2 / df_2)``. All steps use the same rows: those
    complete on every variable of every step. Steps must be nested (each adds terms); step 1 is tested
    against the intercept-only model.
    """
    steps = list(steps)
    if len(steps) < 2:
        raise EngageSurveyError(f"r2_change needs at least two formulas, got {len(steps)}")
    import patsy

    idx = None
    for f in steps:
        y, X = design(data, f)
        idx = X.index if idx is None else idx.intersection(X.index)
    sub = data.loc[idx]
    fits = [regression(sub, f) for f in steps]
    cols = [set(r.coef.index) for r in fits]
    for i in range(1, len(fits)):
        if not cols[i - 1] <= cols[i]:
            extra = sorted(cols[i - 1] - cols[i])
            raise EngageSurveyError(f"step {i + 1} is not nested in step {i}: it drops {', '.join(extra)}")
    ys = {patsy.dmatrices(f, sub, return_type="dataframe")[0].columns[0] for f in steps}
    if len(ys) > 1:
        raise EngageSurveyError(f"steps have different outcomes: {', '.join(sorted(ys))}")
    rows = []
    prev_r2, prev_rss, prev_df = 0.0, None, None
    for i, r in enumerate(fits):
        rss = r.sigma**2 * r.f_df2
        if i == 0:
            f, d1, d2, p = r.f, r.f_df1, r.f_df2, r.f_pvalue
        else:
            d1 = prev_df - r.f_df2
            d2 = r.f_df2
            f = ((prev_rss - rss) / d1) / (rss / d2) if d1 > 0 else np.nan
            p = float(stats.f.sf(f, d1, d2)) if d1 > 0 else np.nan
        rows.append({"formula": steps[i], "r2": r.r2, "delta_r2": r.r2 - prev_r2, "f": f, "df1": d1,
                     "df2": d2, "pvalue": p})
        prev_r2, prev_rss, prev_df = r.r2, rss, r.f_df2
    table = pd.DataFrame(rows, index=pd.Index(range(1, len(steps) + 1), name="step"))
    return R2ChangeResult(table=table, n=len(idx), steps=steps, fits=fits)
