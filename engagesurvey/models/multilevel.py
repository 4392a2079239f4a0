"""Linear mixed models with one grouping factor (random intercept, optional random slopes), as lme4.

Model: y = X beta + Z b + e, b_g ~ N(0, sigma^2 Lambda Lambda'), e ~ N(0, sigma^2 I), with Lambda the
lower-triangular relative covariance factor (lme4's theta, column-major). For one grouping factor the
penalised least-squares problem splits into G small blocks; with per-group sums Z_g'Z_g, Z_g'X_g and
Z_g'y_g (vectorised with ``np.add.at``) and L_g L_g' = Lambda' Z_g'Z_g Lambda + I:

    X'AX = X'X - sum_g C_gX' C_gX,  C_gX = L_g^-1 Lambda' Z_g'X_g   (likewise X'Ay, y'Ay)
    beta = (X'AX)^-1 X'Ay,  r^2 = y'Ay - beta' X'Ay,  log|L|^2 = 2 sum_g log diag(L_g)
    ML:   -2 l = log|L|^2 + n (1 + log(2 pi r^2 / n))
    REML: -2 l = log|L|^2 + log|X'AX| + (n - p)(1 + log(2 pi r^2 / (n - p)))

(Bates, Maechler, Bolker & Walker 2015, eqs. 34-42). theta is optimised (Nelder-Mead with bounds, then
L-BFGS-B); sigma^2 = r^2 / n (ML) or r^2 / (n - p) (REML); Var(beta) = sigma^2 (X'AX)^-1 as
``vcov.merMod``. ``loglik`` is -deviance / 2 (the REML criterion when ``reml=True``, as lme4's
``logLik``); AIC and BIC count p + length(theta) + 1 parameters as lme4. z tests use the normal (lme4
gives none). Checked against ``lme4::lmer`` (tests/reference/models_multilevel.R).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._results import ResultMixin
from ..errors import ConvergenceError, EngageSurveyError
from ._data import as_list, check_columns, check_frame, design, fmt_table


@dataclass(repr=False)
class MultilevelResult(ResultMixin):
    """Result of :func:`multilevel`. ``.fixed`` indexed by term: est se z pvalue."""

    formula: str
    group: str
    n: int
    n_groups: int
    fixed: pd.DataFrame
    variance: dict
    icc: float
    loglik: float
    aic: float
    bic: float
    reml: bool
    theta: np.ndarray
    varcorr: pd.DataFrame
    ranef: pd.DataFrame
    random: list = field(default_factory=list)
    vcov: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"MultilevelResult({self.formula!r}, group={self.group!r}, n={self.n}, icc={self.icc:.4f})"

    @property
    def deviance(self) -> float:
        return -2 * self.loglik

    def to_frame(self) -> pd.DataFrame:
        return self.fixed.copy()

    def summary(self) -> str:
        crit = "REML criterion at convergence" if self.reml else "deviance"
        rnd = " + ".join(["1", *self.random])
        lines = [f"Linear mixed model fit by {'REML' if self.reml else 'maximum likelihood'}",
                 f"Formula: {self.formula} + ({rnd} | {self.group})", "",
                 f"     AIC      BIC   logLik  {crit}", f"{self.aic:9.2f} {self.bic:9.2f} {self.loglik:9.2f}  "
                 f"{-2 * self.loglik:.2f}", "", "Random effects:", fmt_table(self.varcorr),
                 f"Number of obs: {self.n}, groups: {self.group}, {self.n_groups}", f"ICC: {self.icc:.4f}", "",
                 "Fixed effects:", fmt_table(self.fixed)]
        return "\n".join(lines)


_BAR = re.compile(r"\+\s*\(\s*([^|()]+?)\s*\|\s*([^()]+?)\s*\)\s*$")


def _split_lme4(formula: str, group: str, random):
    """Accept lme4's ``y ~ x + (1 + x | group)``: strip the bar term, return (fixed formula, random)."""
    if not isinstance(formula, str) or "|" not in formula:
        return formula, random
    m = _BAR.search(formula)
    if not m:
        raise EngageSurveyError(f"formula {formula!r}: write the random part last, as '+ (1 + x | {group})'")
    if m.group(2) != group:
        raise EngageSurveyError(f"formula {formula!r}: the random term's group {m.group(2)!r} is not {group!r}")
    if random is not None:
        raise EngageSurveyError("give random slopes either in the formula or with random=, not both")
    terms = [t.strip() for t in m.group(1).split("+") if t.strip()]
    if "0" in terms or "-" in m.group(1):
        raise EngageSurveyError(f"formula {formula!r}: random effects without an intercept are not supported")
    return formula[: m.start()].rstrip(), [t for t in terms if t != "1"] or None


def _prep(data, formula, group, random):
    data = check_frame(data)
    if not isinstance(group, str):
        raise EngageSurveyError(f"group must be one column name, got {group!r}")
    check_columns(data, [group], "group column")
    data = data[data[group].notna()]
    rterms = _random_terms(random)
    check_columns(data, rterms, "random-slope column")
    if rterms:
        data = data.dropna(subset=rterms)
    y, X = design(data, formula)
    rows = X.index
    codes, uniq = pd.factorize(data.loc[rows, group], sort=True)
    Z = np.ones((len(rows), 1 + len(rterms)))
    for j, t in enumerate(rterms):
        col = pd.to_numeric(data.loc[rows, t], errors="coerce")
        if col.isna().any():
            raise EngageSurveyError(f"random-slope column {t!r} is not numeric")
        Z[:, j + 1] = col.to_numpy(float)
    return y.to_numpy(float), X, Z, codes, uniq, rterms


def _random_terms(random) -> list[str]:
    if random is None:
        return []
    if isinstance(random, str):
        r = random.replace("~", " ").strip()
        terms = [t.strip() for t in r.split("+") if t.strip()]
    else:
        terms = list(random)
    return [t for t in terms if t not in ("1",)]


class _LMM:
    """Profiled (RE)ML deviance of a one-factor LMM from per-group sufficient statistics."""

    def __init__(self, y, X, Z, codes, G, reml):
        self.n, self.p = X.shape
        self.q = Z.shape[1]
        self.G, self.reml = G, reml
        q, p = self.q, self.p
        self.XtX, self.Xty, self.yty = X.T @ X, X.T @ y, float(y @ y)
        self.ZtZ = np.zeros((G, q, q))
        np.add.at(self.ZtZ, codes, Z[:, :, None] * Z[:, None, :])
        self.ZtX = np.zeros((G, q, p))
        np.add.at(self.ZtX, codes, Z[:, :, None] * X[:, None, :])
        self.Zty = np.zeros((G, q))
        np.add.at(self.Zty, codes, Z * y[:, None])
        self.tri = np.tril_indices(q)

    def lam(self, theta):
        L = np.zeros((self.q, self.q))
        # lme4 fills the lower triangle column by column
        idx = [(i, j) for j in range(self.q) for i in range(j, self.q)]
        for k, (i, j) in enumerate(idx):
            L[i, j] = theta[k]
        return L

    def solve(self, theta):
        if self.q == 1:
            return self._solve1(float(theta[0]))
        Lam = self.lam(theta)
        M = Lam.T @ self.ZtZ @ Lam + np.eye(self.q)
        Lg = np.linalg.cholesky(M)
        cX = np.linalg.solve(Lg, Lam.T @ self.ZtX)
        cy = np.linalg.solve(Lg, (Lam.T @ self.Zty[..., None]))[..., 0]
        XAX = self.XtX - np.einsum("gqi,gqj->ij", cX, cX)
        XAy = self.Xty - np.einsum("gqi,gq->i", cX, cy)
        yAy = self.yty - float(np.sum(cy * cy))
        beta = np.linalg.solve(XAX, XAy)
        r2 = yAy - float(beta @ XAy)
        ld = 2 * float(np.sum(np.log(np.diagonal(Lg, axis1=1, axis2=2))))
        return {"beta": beta, "r2": r2, "ld": ld, "XAX": XAX, "Lg": Lg, "cX": cX, "cy": cy, "Lam": Lam}

    def _solve1(self, t):
        """Random intercept: every block is a scalar, M_g = t^2 n_g + 1."""
        Mg = t * t * self.ZtZ[:, 0, 0] + 1.0
        sq = np.sqrt(Mg)
        cX = (t / sq)[:, None] * self.ZtX[:, 0, :]
        cy = t / sq * self.Zty[:, 0]
        XAX = self.XtX - cX.T @ cX
        XAy = self.Xty - cX.T @ cy
        yAy = self.yty - float(cy @ cy)
        beta = np.linalg.solve(XAX, XAy)
        r2 = yAy - float(beta @ XAy)
        return {"beta": beta, "r2": r2, "ld": float(np.sum(np.log(Mg))), "XAX": XAX, "Lg": sq[:, None, None],
                "cX": cX[:, None, :], "cy": cy[:, None], "Lam": np.array([[t]])}

    def deviance(self, theta):
        s = self.solve(theta)
        if s["r2"] <= 0:
            return np.inf
        if self.reml:
            df = self.n - self.p
            sign, ldx = np.linalg.slogdet(s["XAX"])
            return s["ld"] + ldx + df * (1 + np.log(2 * np.pi * s["r2"] / df))
        return s["ld"] + self.n * (1 + np.log(2 * np.pi * s["r2"] / self.n))

    def fit(self):
        k = len(self.tri[0])
        diag = np.array([i == j for j in range(self.q) for i in range(j, self.q)])
        x0 = np.where(diag, 1.0, 0.0)
        bounds = [(0.0, None) if d else (None, None) for d in diag]
        f = self.deviance
        if self.q == 1:
            # scalar theta: bounded Brent on [0, 100], then the boundary theta = 0 (singular fit)
            g = lambda t: f(np.array([t]))  # noqa: E731
            r = optimize.minimize_scalar(g, bounds=(0.0, 100.0), method="bounded",
                                         options={"xatol": 1e-10, "maxiter": 1000})
            x, fun = float(r.x), float(r.fun)
            if g(0.0) < fun:
                x, fun = 0.0, g(0.0)
            if not np.isfinite(fun):
                raise ConvergenceError("the mixed model did not converge (deviance not finite)")
            return np.array([x]), fun
        r1 = optimize.minimize(f, x0, method="Nelder-Mead", bounds=bounds,
                               options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000 * k})
        r2 = optimize.minimize(f, r1.x, method="L-BFGS-B", bounds=bounds,
                               options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
        best = r2 if r2.fun <= r1.fun else r1
        if not np.isfinite(best.fun):
            raise ConvergenceError("the mixed model did not converge (deviance not finite)")
        return best.x, float(best.fun)


def multilevel(data, formula: str, group: str, *, reml: bool = True, random=None) -> MultilevelResult:
    """Linear mixed model with a random intercept (and optional random slopes) for one grouping factor.

    Parameters
    ----------
    data : DataFrame
    formula : str
        Fixed part, ``"y ~ x + w"`` (patsy, as R).
    group : str
        Column of group (cluster) ids.
    reml : bool
        REML (lme4's default) or ML (needed to compare fixed parts by likelihood ratio).
    random : str or list of str, optional
        Random slopes: ``random="~ x"`` (or ``"x"`` / ``["x"]``) fits ``(1 + x | group)`` with an
        unstructured covariance. Default: random intercept only, ``(1 | group)``. lme4's syntax in the
        formula, ``"y ~ x + w + (1 + x | group)"`` (last term, same group), is accepted too.

    Returns
    -------
    MultilevelResult
        ``.fixed`` (est se z pvalue, indexed "Intercept" then the formula's terms), ``.variance``
        ({"group": intercept variance, "residual": sigma^2}, plus the slope variance keyed by its term
        and ``"cov(Intercept, x)"``), ``.icc`` (intercept variance / (intercept variance + sigma^2)),
        ``.loglik``, ``.aic``, ``.bic`` (as lme4), ``.varcorr`` (as ``as.data.frame(VarCorr())``),
        ``.ranef`` (conditional modes of the random effects) and ``.theta``.

    References
    ----------
    Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using
    lme4. Journal of Statistical Software, 67(1).
    """
    formula, random = _split_lme4(formula, group, random)
    y, X, Z, codes, uniq, rterms = _prep(data, formula, group, random)
    n, p = X.shape
    G, q = len(uniq), Z.shape[1]
    if G < 2:
        raise EngageSurveyError(f"group column {group!r} has {G} group(s); need at least 2")
    if G >= n:
        raise EngageSurveyError(
            f"group column {group!r}: number of groups ({G}) must be < number of observations ({n})")
    if q > 1 and n <= G * q:
        term = " + ".join(["1", *rterms])
        raise EngageSurveyError(
            f"number of observations ({n}) <= number of random effects ({G * q}) for ({term} | {group})")
    for j, t in enumerate(rterms):
        if np.all(Z[:, j + 1] == Z[0, j + 1]):
            raise EngageSurveyError(f"random-slope column {t!r} is constant")
    model = _LMM(y, X.to_numpy(float), Z, codes, G, reml)
    theta, dev = model.fit()
    s = model.solve(theta)
    df = n - p if reml else n
    sigma2 = s["r2"] / df
    V = sigma2 * np.linalg.inv(s["XAX"])
    beta = s["beta"]
    se = np.sqrt(np.diag(V))
    z = beta / se
    names = list(X.columns)
    fixed = pd.DataFrame({"est": beta, "se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z))},
                         index=pd.Index(names, name="term"))
    Sig = sigma2 * s["Lam"] @ s["Lam"].T
    rnames = ["Intercept", *rterms]
    variance = {"group": float(Sig[0, 0])}
    vc_rows = []
    for i in range(q):
        vc_rows.append((group, "(Intercept)" if i == 0 else rterms[i - 1], None, Sig[i, i], np.sqrt(Sig[i, i])))
        if i > 0:
            variance[rterms[i - 1]] = float(Sig[i, i])
    for j in range(q):
        for i in range(j + 1, q):
            cor = Sig[i, j] / np.sqrt(Sig[i, i] * Sig[j, j]) if Sig[i, i] * Sig[j, j] > 0 else np.nan
            vc_rows.append((group, "(Intercept)" if j == 0 else rterms[j - 1], rterms[i - 1], Sig[i, j], cor))
            variance[f"cov({rnames[j]}, {rnames[i]})"] = float(Sig[i, j])
    vc_rows.append(("Residual", None, None, sigma2, np.sqrt(sigma2)))
    variance["residual"] = float(sigma2)
    varcorr = pd.DataFrame(vc_rows, columns=["grp", "var1", "var2", "vcov", "sdcor"])
    # conditional modes: u_g = L_g^-T (c_gy - C_gX beta), b_g = Lambda u_g
    rhs = s["cy"] - np.einsum("gqp,p->gq", s["cX"], beta)
    u = np.linalg.solve(np.swapaxes(s["Lg"], 1, 2), rhs[..., None])[..., 0]
    b = u @ s["Lam"].T
    ranef = pd.DataFrame(b, index=pd.Index(uniq, name=group), columns=rnames)
    loglik = -dev / 2
    k = p + len(theta) + 1
    icc = float(Sig[0, 0] / (Sig[0, 0] + sigma2))
    return MultilevelResult(
        formula=formula, group=group, n=n, n_groups=G, fixed=fixed, variance=variance, icc=icc,
        loglik=float(loglik), aic=float(dev + 2 * k), bic=float(dev + np.log(n) * k), reml=reml,
        theta=np.asarray(theta, float), varcorr=varcorr, ranef=ranef, random=rterms,
        vcov=pd.DataFrame(V, index=names, columns=names))


def decompose(data, cols, group, *, suffixes=("_within", "_between")) -> pd.DataFrame:
    """Within/between decomposition by group-mean centring (Enders & Tofighi 2007).

    For each column c: ``c_between`` = the mean of c in the row's group (over the group's non-missing
    values) and ``c_within`` = c - c_between. Returns a DataFrame aligned with ``data`` (NaN where c or
    the group is missing).
    """
    data = check_frame(data)
    cols = as_list(cols)
    check_columns(data, cols)
    check_columns(data, [group], "group column")
    out = {}
    for c in cols:
        if not pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]):
            raise EngageSurveyError(f"column {c!r} is not numeric")
        gm = data.groupby(group, dropna=True)[c].transform("mean")
        out[c + suffixes[0]] = data[c] - gm
        out[c + suffixes[1]] = gm
    return pd.DataFrame(out, index=data.index)
