"""1-1-1 multilevel mediation with within- and between-group indirect effects (CWC(M)).

Zhang, Zyphur & Preacher (2009): split x and m into group-mean-centred (within) parts and group means
(between), and fit two random-intercept models

    m = a0 + a_W (x - xbar_g) + a_B xbar_g + C g + u_g + e
    y = b0 + b_W (m - mbar_g) + b_B mbar_g + c'_W (x - xbar_g) + c'_B xbar_g + C h + v_g + e

The within indirect effect is a_W b_W and the between indirect effect a_B b_B (unconflated, unlike an
uncentred model). CIs are Monte Carlo (Preacher & Selig 2012): a and b drawn from independent normals
with their lmer estimates and SEs, the CI read from the quantiles of the products (R ``quantile``
type 7). Checked against ``lme4::lmer`` fits and an R Monte Carlo CI (tests/reference/models_multilevel.R).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from ..errors import EngageSurveyError
from ._data import as_list, check_columns, check_frame, fmt_table, numeric_frame
from .multilevel import MultilevelResult, decompose, multilevel


@dataclass(repr=False)
class MultilevelMediationResult(ResultMixin):
    """Result of :func:`multilevel_mediation`: ``.within`` / ``.between`` indirect effects with CIs."""

    x: str
    m: str
    y: str
    group: str
    n: int
    n_groups: int
    within: float
    between: float
    within_ci: tuple
    between_ci: tuple
    within_se: float
    between_se: float
    table: pd.DataFrame
    m_model: MultilevelResult
    y_model: MultilevelResult
    n_mc: int = 0
    ci: float = 0.95

    def __repr__(self) -> str:
        return f"MultilevelMediationResult(within={self.within:.4f}, between={self.between:.4f})"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        return (f"1-1-1 multilevel mediation (CWC(M)): {self.x} -> {self.m} -> {self.y}, groups: {self.group}\n"
                f"n = {self.n}, groups = {self.n_groups}; indirect CIs: Monte Carlo, {self.n_mc} draws, "
                f"{self.ci:.0%}\n\n" + fmt_table(self.table.set_index("path")))


def multilevel_mediation(data, x, m, y, group, *, covariates=(), n_mc=20000, ci=0.95, seed=None,
                         reml=True) -> MultilevelMediationResult:
    """Within- and between-group indirect effects of a 1-1-1 design (all variables at level 1).

    Parameters
    ----------
    data : DataFrame
    x, m, y : str
        Level-1 predictor, mediator and outcome.
    group : str
        Column of group ids (e.g. the supervisor or unit).
    covariates : list of str
        Entered (uncentred) in both models.
    n_mc : int
        Monte Carlo draws for the CIs.
    ci : float
    seed : int or numpy Generator
    reml : bool
        REML (default, as lmer) or ML fits.

    Returns
    -------
    MultilevelMediationResult
        ``.within``, ``.between`` (a*b), their Monte Carlo CIs and SDs, ``.table`` (path est se ci_lower
        ci_upper pvalue: a_within a_between b_within b_between c_within c_between indirect_within
        indirect_between), and the two fitted models.

    References
    ----------
    Zhang, Z., Zyphur, M. J., & Preacher, K. J. (2009). Testing multilevel mediation using hierarchical
    linear models. Organizational Research Methods, 12, 695-719.
    Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence intervals for indirect
    effects. Communication Methods and Measures, 6, 77-98.
    """
    data = check_frame(data)
    for nm, v in (("x", x), ("m", m), ("y", y), ("group", group)):
        if not isinstance(v, str):
            raise EngageSurveyError(f"{nm} must be one column name, got {v!r}")
    cov = as_list(covariates)
    check_columns(data, [group], "group column")
    if not isinstance(n_mc, (int, np.integer)) or n_mc < 100:
        raise EngageSurveyError(f"n_mc must be an integer >= 100, got {n_mc!r}")
    if not 0 < ci < 1:
        raise EngageSurveyError(f"ci must be a level in (0, 1), got {ci!r}")
    frame = numeric_frame(data, [x, m, y, *cov], min_rows=10, extra=[group])
    dec = decompose(frame, [x, m], group, suffixes=("__w", "__b"))
    work = pd.concat([frame, dec], axis=1)
    for c in (f"{x}__b", f"{m}__b"):
        if not work[c].std() > 1e-10 * max(1.0, work[c[:-3]].std()):
            raise EngageSurveyError(f"column {c[:-3]!r} has the same mean in every group; no between part")
    rhs_cov = "".join(f" + {c}" for c in cov)
    fm = multilevel(work, f"{m} ~ {x}__w + {x}__b{rhs_cov}", group, reml=reml)
    fy = multilevel(work, f"{y} ~ {m}__w + {m}__b + {x}__w + {x}__b{rhs_cov}", group, reml=reml)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    rows = []

    def path(name, fit, term):
        est, se = fit.fixed.loc[term, "est"], fit.fixed.loc[term, "se"]
        zc = stats.norm.ppf(0.5 + ci / 2)
        rows.append((name, est, se, est - zc * se, est + zc * se, fit.fixed.loc[term, "pvalue"]))
        return est, se

    aw = path("a_within", fm, f"{x}__w")
    ab = path("a_between", fm, f"{x}__b")
    bw = path("b_within", fy, f"{m}__w")
    bb = path("b_between", fy, f"{m}__b")
    path("c_within", fy, f"{x}__w")
    path("c_between", fy, f"{x}__b")
    q = [(1 - ci) / 2, (1 + ci) / 2]
    out = {}
    for lab, (a, sa), (b, sb) in (("within", aw, bw), ("between", ab, bb)):
        draws = rng.normal(a, sa, n_mc) * rng.normal(b, sb, n_mc)
        lo, hi = np.quantile(draws, q)
        sd = float(draws.std(ddof=1))
        est = float(a * b)
        p = float(2 * stats.norm.sf(abs(est / sd))) if sd > 0 else np.nan
        rows.append((f"indirect_{lab}", est, sd, float(lo), float(hi), p))
        out[lab] = (est, (float(lo), float(hi)), sd)
    table = pd.DataFrame(rows, columns=["path", "est", "se", "ci_lower", "ci_upper", "pvalue"])
    return MultilevelMediationResult(
        x=x, m=m, y=y, group=group, n=fm.n, n_groups=fm.n_groups, within=out["within"][0],
        between=out["between"][0], within_ci=out["within"][1], between_ci=out["between"][1],
        within_se=out["within"][2], between_se=out["between"][2], table=table, m_model=fm, y_model=fy,
        n_mc=int(n_mc), ci=ci)
