"""Proportional-odds (cumulative logit) model, as ``ordinal::clm`` / ``MASS::polr``.

    P(Y <= j | x) = F(theta_j - x'beta),  j = 1..K-1,  F the logistic cdf

fitted by Newton-Raphson on the exact log-likelihood (analytic gradient and Hessian; SEs from the
inverse observed information, as ``clm``). Odds ratios exp(beta) have Wald CIs exp(beta +- z se)
(``confint.clm`` gives profile CIs; ``exp(confint.default())`` is what we match).

Proportional odds are tested as ``ordinal::nominal_test`` does: for each predictor, a likelihood-ratio
test of the model against one where that predictor gets K - 1 threshold-specific effects
(theta_j + z gamma_j; df = K - 2). The Brant test is not used.

``fixed_effects="unit"`` adds unit dummies (treatment coding, first sorted unit as reference) to absorb
unit differences (e.g. ratings forced-distributed within units); their coefficients are estimated but
not reported in ``.coef``. Checked against ``ordinal::clm``, ``nominal_test`` and ``MASS::polr``
(tests/reference/models_ordinal.R).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from .._results import ResultMixin
from ..errors import ConvergenceError, EngageSurveyError
from ._data import as_list, check_columns, check_frame, design, fmt_table


@dataclass(repr=False)
class OrdinalResult(ResultMixin):
    """Result of :func:`ordinal_logit`."""

    formula: str
    n: int
    categories: list
    coef: pd.DataFrame
    thresholds: pd.DataFrame
    loglik: float
    aic: float
    bic: float
    proportional_odds: pd.DataFrame
    fixed_effects: str | None = None
    n_units: int | None = None
    vcov: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"OrdinalResult({self.formula!r}, n={self.n}, loglik={self.loglik:.4f})"

    def to_frame(self) -> pd.DataFrame:
        return self.coef.copy()

    def summary(self) -> str:
        fe = f"\nUnit fixed effects: {self.fixed_effects!r} ({self.n_units} units)" if self.fixed_effects else ""
        return "\n".join([
            "Cumulative link model (logit), proportional odds", f"formula: {self.formula}{fe}",
            f"n = {self.n}  logLik = {self.loglik:.2f}  AIC = {self.aic:.2f}", "", "Coefficients:",
            fmt_table(self.coef), "", "Threshold coefficients:", fmt_table(self.thresholds), "",
            "Tests of nominal effects (proportional odds):", fmt_table(self.proportional_odds)])


def _fit_clm(yc, X, Z, K, start=None, tol=1e-10, maxit=200):
    """Cumulative logit with thresholds theta_j + Z gamma_j - X beta. Returns (params, loglik, cov)."""
    n, p = X.shape
    r = Z.shape[1] if Z is not None else 0
    J = K - 1
    P = J + J * r + p
    rows = np.arange(n)
    up, lo = yc, yc - 1  # cut indices; valid when 0 <= j < J

    def amat(cut):
        A = np.zeros((n, P))
        ok = (cut >= 0) & (cut < J)
        A[rows[ok], cut[ok]] = 1.0
        if r:
            for k in range(r):  # loop over nominal predictors (few), not observations
                A[rows[ok], J + cut[ok] * r + k] = Z[ok, k]
        A[ok, J + J * r:] = -X[ok]
        return A, ok

    Au, oku = amat(up)
    Al, okl = amat(lo)

    def evaluate(phi):
        eu, el = Au @ phi, Al @ phi
        Fu = np.where(oku, special.expit(eu), 1.0)
        Fl = np.where(okl, special.expit(el), 0.0)
        pr = Fu - Fl
        if np.any(pr <= 0):
            return -np.inf, None, None
        return float(np.sum(np.log(pr))), (eu, el, Fu, Fl, pr), None

    if start is None:
        cum = np.cumsum(np.bincount(yc, minlength=K))[:-1] / n
        phi = np.zeros(P)
        phi[:J] = special.logit(np.clip(cum, 1e-6, 1 - 1e-6))
    else:
        phi = start.copy()
    ll, parts, _ = evaluate(phi)
    if not np.isfinite(ll):
        raise ConvergenceError("cumulative logit: starting values give zero probabilities")
    for _ in range(maxit):
        eu, el, Fu, Fl, pr = parts
        fu = np.where(oku, Fu * (1 - Fu), 0.0)
        fl = np.where(okl, Fl * (1 - Fl), 0.0)
        dfu = fu * (1 - 2 * Fu)
        dfl = fl * (1 - 2 * Fl)
        G = (fu[:, None] * Au - fl[:, None] * Al) / pr[:, None]
        grad = G.sum(axis=0)
        H = (Au.T * (dfu / pr)) @ Au - (Al.T * (dfl / pr)) @ Al - G.T @ G
        if np.max(np.abs(grad)) < tol:
            break
        try:
            step = np.linalg.solve(H, -grad)
        except np.linalg.LinAlgError:
            raise ConvergenceError("cumulative logit: singular information matrix") from None
        t = 1.0
        for _h in range(60):
            new = phi + t * step
            ll_new, parts_new, _ = evaluate(new)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12:
                break
            t /= 2
        else:
            break
        phi, ll, parts = new, ll_new, parts_new
    else:
        raise ConvergenceError("cumulative logit did not converge in 200 Newton steps")
    eu, el, Fu, Fl, pr = parts
    fu = np.where(oku, Fu * (1 - Fu), 0.0)
    fl = np.where(okl, Fl * (1 - Fl), 0.0)
    G = (fu[:, None] * Au - fl[:, None] * Al) / pr[:, None]
    H = (Au.T * (fu * (1 - 2 * Fu) / pr)) @ Au - (Al.T * (fl * (1 - 2 * Fl) / pr)) @ Al - G.T @ G
    with np.errstate(invalid="ignore"):
        cov = np.linalg.inv(-H)
    return phi, ll, cov


def _lab(c) -> str:
    if isinstance(c, (float, np.floating)) and float(c).is_integer():
        return str(int(c))
    return str(c)


def _outcome_codes(y: pd.Series, name=None):
    if isinstance(y.dtype, pd.CategoricalDtype):
        cats = list(y.cat.categories)
        codes = y.cat.codes.to_numpy()
        present = np.unique(codes)
        cats = [cats[i] for i in present]
        codes = np.searchsorted(present, codes)
        return codes, cats
    try:
        cats = sorted(pd.unique(y))
    except TypeError:
        kinds = {}
        for v in pd.unique(y):
            kinds.setdefault(isinstance(v, str), v)
        raise EngageSurveyError(f"outcome column {name!r} mixes text and numbers (e.g. {kinds.get(False)!r} and "
                                f"{kinds.get(True)!r}): its categories cannot be ordered; recode it or make it "
                                "an ordered Categorical") from None
    return np.searchsorted(np.asarray(cats), y.to_numpy()), cats


SEPARATION_SE = 100.0  # SE of a log-odds ratio per SD of the predictor beyond which the fit is degenerate


def _check_separation(formula, ll, se, Xd, J):
    """Raise when the maximum likelihood estimate does not exist (complete or quasi-complete separation:
    a predictor orders the categories perfectly, the estimate runs off to infinity). Signs, as R's
    ``clm`` warnings: log-likelihood ~0 (every rating fitted with probability 1), a non-finite
    covariance, or an SE above ``SEPARATION_SE`` log-odds per SD of its predictor."""
    sd = Xd.std(ddof=1).to_numpy(float)
    se_sd = se[J:] * sd
    bad = [nm for nm, v in zip(Xd.columns, se_sd) if not np.isfinite(v) or v > SEPARATION_SE]
    if ll > -1e-6 or not np.all(np.isfinite(se[:J])) or bad:
        which = f" (predictor(s) {', '.join(map(repr, bad))})" if bad else ""
        raise EngageSurveyError(f"formula {formula!r}: complete separation{which}: the predictors order the "
                                f"outcome categories (almost) perfectly (logLik {ll:.3g}), so the estimates are "
                                "infinite and their SEs meaningless; merge categories or drop the predictor")


def ordinal_logit(data, formula: str | None = None, *, y: str | None = None, x=None, fixed_effects=None,
                  ci: float = 0.95, po_test: bool = True) -> OrdinalResult:
    """Proportional-odds logistic regression (ordinal logit), as ``ordinal::clm(link = "logit")``.

    Parameters
    ----------
    data : DataFrame
    formula : str
        ``"rating ~ cid + tenure"`` (patsy; the intercept is absorbed by the thresholds). Or give
        ``y=`` (outcome column) and ``x=`` (predictor columns) instead.
    fixed_effects : str, optional
        Column of units for unit fixed effects (dummies, not reported in ``.coef``).
    ci : float
        Level of the Wald CIs of the coefficients and odds ratios.
    po_test : bool
        Run the per-predictor likelihood-ratio test of proportional odds (``nominal_test``).

    Returns
    -------
    OrdinalResult
        ``.coef`` (est se z pvalue ci_lower ci_upper odds_ratio or_ci_lower or_ci_upper), ``.thresholds``
        (est se z pvalue, indexed "1|2", ...), ``.loglik``, ``.aic``, ``.bic``, ``.proportional_odds``
        (term df loglik lrt pvalue).

    Notes
    -----
    The outcome's categories are its sorted distinct values (or an ordered Categorical's order, unused
    levels dropped). ``MASS::polr`` gives the same model with a looser stopping rule (agreement ~1e-3).

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. JRSS B, 42, 109-142.
    Christensen, R. H. B. (2019). ordinal: Regression Models for Ordinal Data (R package).
    """
    data = check_frame(data)
    if formula is None:
        if y is None or not x:
            raise EngageSurveyError("give a formula, or y= and x=")
        formula = f"{y} ~ " + " + ".join(as_list(x))
    if not isinstance(formula, str) or "~" not in formula:
        raise EngageSurveyError(f"formula must be a string like 'y ~ x1 + x2', got {formula!r}")
    lhs = formula.split("~", 1)[0].strip()
    check_columns(data, [lhs], "outcome column")
    if fixed_effects is not None:
        check_columns(data, [fixed_effects], "fixed-effects column")
        data = data[data[fixed_effects].notna()]
    yser = data[lhs]
    rhs = formula.split("~", 1)[1]
    # the design from patsy with a numeric stand-in outcome (the outcome may be text / categorical)
    work = data.assign(__y__=np.arange(len(data), dtype=float))
    work.loc[yser.isna().to_numpy(), "__y__"] = np.nan
    _, X = design(work, f"__y__ ~ {rhs}")
    Xd = X.drop(columns=["Intercept"], errors="ignore")
    if Xd.shape[1] == 0:
        raise EngageSurveyError(f"formula {formula!r} has no predictors")
    yc, cats = _outcome_codes(yser.loc[X.index], lhs)
    K = len(cats)
    if K < 2:
        raise EngageSurveyError(f"outcome {lhs!r} has {K} category in the complete rows; need at least 2")
    if K > 30:
        warnings.warn(f"outcome {lhs!r} has {K} categories; is it really ordinal?", stacklevel=2)
    n_units = None
    Xfull = Xd
    if fixed_effects is not None:
        u = data.loc[X.index, fixed_effects]
        dummies = pd.get_dummies(pd.Categorical(u, categories=sorted(pd.unique(u))), drop_first=True,
                                 dtype=float)
        dummies.index = X.index
        dummies.columns = [f"{fixed_effects}[{c}]" for c in dummies.columns]
        n_units = int(u.nunique())
        if n_units < 2:
            raise EngageSurveyError(f"fixed-effects column {fixed_effects!r} has {n_units} unit; need at least 2")
        Xfull = pd.concat([Xd, dummies], axis=1)
    Xv = Xfull.to_numpy(float)
    n, p = Xv.shape
    if n <= p + K:
        raise EngageSurveyError(f"too few complete rows ({n}) for {p + K - 1} parameters")
    phi, ll, cov = _fit_clm(yc, Xv, None, K)
    J = K - 1
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(cov))
    names = list(Xd.columns)
    k = len(names)
    _check_separation(formula, ll, se[:J + k], Xd, J)
    zc = stats.norm.ppf(0.5 + ci / 2)
    b, sb = phi[J:J + k], se[J:J + k]
    coef = pd.DataFrame({"est": b, "se": sb, "z": b / sb, "pvalue": 2 * stats.norm.sf(np.abs(b / sb)),
                         "ci_lower": b - zc * sb, "ci_upper": b + zc * sb, "odds_ratio": np.exp(b),
                         "or_ci_lower": np.exp(b - zc * sb), "or_ci_upper": np.exp(b + zc * sb)},
                        index=pd.Index(names, name="term"))
    th, sth = phi[:J], se[:J]
    thresholds = pd.DataFrame({"est": th, "se": sth, "z": th / sth, "pvalue": 2 * stats.norm.sf(np.abs(th / sth))},
                              index=pd.Index([f"{_lab(cats[j])}|{_lab(cats[j + 1])}" for j in range(J)],
                                             name="threshold"))
    npar = J + p
    rows = []
    if po_test and K > 2:
        for j, nm in enumerate(names):
            keep = [i for i in range(p) if i != j]
            try:
                start = np.concatenate([phi[:J], np.zeros(J), phi[J:][keep]])
                _, ll_nom, _ = _fit_clm(yc, Xv[:, keep], Xv[:, [j]], K, start=start)
                lrt = 2 * (ll_nom - ll)
                rows.append((nm, J - 1, ll_nom, lrt, float(stats.chi2.sf(lrt, J - 1))))
            except (ConvergenceError, np.linalg.LinAlgError):
                rows.append((nm, J - 1, np.nan, np.nan, np.nan))
    po = pd.DataFrame(rows, columns=["term", "df", "loglik", "lrt", "pvalue"]).set_index("term")
    allnames = [*thresholds.index, *Xfull.columns]
    return OrdinalResult(
        formula=formula, n=n, categories=list(cats), coef=coef, thresholds=thresholds, loglik=ll,
        aic=-2 * ll + 2 * npar, bic=-2 * ll + np.log(n) * npar, proportional_odds=po,
        fixed_effects=fixed_effects, n_units=n_units, vcov=pd.DataFrame(cov, index=allnames, columns=allnames))
