"""Mediation: simple, parallel and serial, with a batched bootstrap (percentile / BCa) or Monte Carlo CI.

Model (Hayes 2022, PROCESS models 4 and 6; Preacher & Hayes 2008). With covariates C in every equation:

    m_j = i_j + a_j x + [d_jk m_k, k < j, serial only] + C g_j + e_j
    y   = i_y + c' x + sum_j b_j m_j + C h + e_y
    y   = i   + c x + C h0 + e                          (total effect)

The specific indirect effect through m_j is a_j b_j (serial: a_i d_ji b_j and a_1 d_21 d_32 b_3 ...);
their sum is the total indirect effect and c = c' + total indirect (exact in OLS). The completely
standardised indirect effect is ab * sd(x) / sd(y) (lavaan's ``std.all`` of a defined ab).

Paths are OLS with classical SEs and t tests (R ``lm``). Indirect effects get a bootstrap SE (SD of the
draws), a CI (``percentile`` as lavaan's ``boot.ci.type="perc"``, ``bca`` with jackknife acceleration, or
``montecarlo``: Selig & Preacher 2008, coefficients drawn from their normal sampling distributions,
independent across equations, as ``semTools::monteCarloCI``) and a z p-value est / boot SE (lavaan's
``se="bootstrap"`` convention). ``cluster=`` resamples whole clusters (Field & Welsh 2007).

Checked against R: ``lm`` (paths, 1e-10), bootstrap arithmetic on replayed resamples (percentile and BCa
by hand, 1e-10), ``lavaan::sem(se="bootstrap")`` and ``semTools::monteCarloCI`` within Monte Carlo error
(tests/reference/models_mediation.R).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from ..errors import EngageSurveyError
from . import _bootstrap as bt
from ._data import as_list, check_int, check_level, fmt_table, numeric_frame, ols

CI_METHODS = ("percentile", "bca", "montecarlo")


@dataclass(repr=False)
class MediationResult(ResultMixin):
    """Result of :func:`mediation`. One mediator: floats/tuples; several: dicts keyed by mediator
    (serial chains keyed ``"C -> N"``) plus ``"total"`` for the indirect effects."""

    x: str
    m: object
    y: str
    kind: str
    n: int
    a: object
    b: object
    c: float
    c_prime: float
    indirect: object
    indirect_se: object
    indirect_ci: object
    indirect_std: object
    indirect_std_ci: object
    table: pd.DataFrame
    d: dict = field(default_factory=dict)
    covariates: tuple = ()
    n_boot: int = 0
    ci: float = 0.95
    ci_method: str = "percentile"
    n_clusters: int | None = None
    draws: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"MediationResult(kind={self.kind!r}, n={self.n}, indirect={self.indirect!r})"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        ms = self.m if isinstance(self.m, str) else ", ".join(self.m)
        head = [f"Mediation ({self.kind}): {self.x} -> [{ms}] -> {self.y}   n = {self.n}",
                f"Covariates: {', '.join(self.covariates) or 'none'}",
                f"Indirect effects: {self.ci_method} CI, {self.ci:.0%}, "
                + (f"{self.n_boot} Monte Carlo draws" if self.ci_method == "montecarlo"
                   else f"{self.n_boot} bootstrap draws")
                + (f" (cluster bootstrap, {self.n_clusters} clusters)" if self.n_clusters else ""), ""]
        return "\n".join(head) + fmt_table(self.table.set_index("path"))


def _validate(data, x, m, y, covariates, n_boot, ci, ci_method, cluster, serial):
    if not isinstance(m, str) and not (isinstance(m, (list, tuple)) and all(isinstance(v, str) for v in m)):
        raise EngageSurveyError(f"m must be a column name or a list of column names, got {m!r}")
    ms = as_list(m)
    if not ms:
        raise EngageSurveyError("mediation needs at least one mediator (m)")
    for name, v in (("x", x), ("y", y)):
        if not isinstance(v, str):
            raise EngageSurveyError(f"{name} must be one column name, got {v!r}")
    cov = as_list(covariates)
    allc = [x, *ms, y, *cov]
    dup = {c for c in allc if allc.count(c) > 1}
    if dup:
        raise EngageSurveyError(f"a column plays two roles in the model: {', '.join(sorted(map(str, dup)))}")
    if serial and not 2 <= len(ms) <= 4:
        raise EngageSurveyError(f"serial mediation needs 2 to 4 mediators, got {len(ms)}")
    check_int("n_boot", n_boot, 2)
    check_level(ci)
    if ci_method not in CI_METHODS:
        raise EngageSurveyError(f"ci_method must be one of {', '.join(CI_METHODS)}, got {ci_method!r}")
    p_max = 2 + len(ms) + len(cov)
    frame = numeric_frame(data, allc, min_rows=p_max + 2, extra=[cluster] if cluster is not None else ())
    return ms, cov, frame


class _Spec:
    """Column layout Z = [1, x, m_1..m_k, y, covariates] and the equations of the path model."""

    def __init__(self, k: int, n_cov: int, serial: bool):
        self.k, self.serial = k, serial
        self.iy = 2 + k
        cov = list(range(3 + k, 3 + k + n_cov))
        self.eqs = {}
        for j in range(k):
            prior = list(range(2, 2 + j)) if serial else []
            self.eqs[f"m{j}"] = (2 + j, [0, 1, *prior, *cov])
        self.eqs["y"] = (self.iy, [0, 1, *range(2, 2 + k), *cov])
        self.eqs["total"] = (self.iy, [0, 1, *cov])
        chains = []
        for r in range(1, k + 1 if serial else 2):
            chains += list(combinations(range(k), r))
        self.chains = chains

    def indirect(self, coef: dict, sdx, sdy) -> dict:
        out = {}
        tot = 0.0
        for ch in self.chains:
            e = coef[f"m{ch[0]}"][:, 1]
            for prev, nxt in zip(ch[:-1], ch[1:]):
                e = e * coef[f"m{nxt}"][:, 2 + prev]
            e = e * coef["y"][:, 2 + ch[-1]]
            out[ch] = e
            tot = tot + e
        out["total"] = tot
        std = {("std", kk): v * sdx / sdy for kk, v in out.items()}
        out.update(std)
        return out

    def coefs_from_moments(self, M):
        return {name: bt.solve_eq(M, xs, yc) for name, (yc, xs) in self.eqs.items()}


def mediation(data, x, m, y, *, covariates=(), n_boot=5000, ci=0.95, ci_method="percentile", seed=None,
              cluster=None, serial=False) -> MediationResult:
    """Simple, parallel (``m`` a list) or serial (``serial=True``) mediation with bootstrap CIs.

    Parameters
    ----------
    data : DataFrame
    x, y : str
        Predictor and outcome columns.
    m : str or list of str
        Mediator(s). A list gives parallel mediators (PROCESS model 4), or a chain with ``serial=True``
        (PROCESS model 6, 2 to 4 mediators, in the order given).
    covariates : list of str
        Entered in every equation.
    n_boot : int
        Bootstrap (or Monte Carlo) draws.
    ci : float
        Confidence level.
    ci_method : {"percentile", "bca", "montecarlo"}
    seed : int or numpy Generator
        Draws are reproducible for a given seed (numpy ``default_rng``).
    cluster : str, optional
        Column of cluster ids: resample whole clusters instead of rows.

    Returns
    -------
    MediationResult
        ``.table`` has one row per path (``a``, ``b``, ``c``, ``c_prime``, ``d`` for serial links,
        ``indirect``, ``indirect_std``; with several mediators suffixed ``[name]``): est se ci_lower
        ci_upper pvalue. ``.draws`` holds the bootstrap draws of the indirect effects.

    Notes
    -----
    Rows with a missing value in any model column (or the cluster) are dropped. lavaan's ML fits give the
    same point estimates; its path SEs use n instead of n - p. BCa uses the jackknife (leave one row, or
    one cluster, out) for the acceleration; lavaan's ``"bca.simple"`` omits the acceleration.

    References
    ----------
    Hayes, A. F. (2022). Introduction to mediation, moderation, and conditional process analysis (3rd ed.).
    Preacher, K. J., & Hayes, A. F. (2008). Behavior Research Methods, 40, 879-891.
    Efron, B. (1987). Better bootstrap confidence intervals. JASA, 82, 171-185.
    Selig, J. P., & Preacher, K. J. (2008). Monte Carlo method for assessing mediation.

    Examples
    --------
    >>> res = mediation(df, x="A", m="C", y="E", n_boot=5000, seed=1)
    >>> res.indirect, res.indirect_ci
    """
    ms, cov, frame = _validate(data, x, m, y, covariates, n_boot, ci, ci_method, cluster, serial)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    codes, n_cl = None, None
    if cluster is not None:
        codes, uniq = pd.factorize(frame[cluster], sort=True)
        n_cl = len(uniq)
        if n_cl < 2:
            raise EngageSurveyError(f"cluster column {cluster!r} has {n_cl} cluster(s); need at least 2")
    k = len(ms)
    spec = _Spec(k, len(cov), serial and k > 1)
    Z = np.column_stack([np.ones(len(frame)), frame[[x, *ms, y, *cov]].to_numpy(float)])
    return _fit(spec, Z, frame, x, ms, y, cov, isinstance(m, str), n_boot, ci, ci_method, rng, codes, n_cl)


def _fit(spec, Z, frame, x, ms, y, cov, single, n_boot, ci, ci_method, rng, codes, n_cl, counts=None):
    n = len(Z)
    fits = {name: ols(Z[:, xs], Z[:, yc]) for name, (yc, xs) in spec.eqs.items()}
    sdx, sdy = Z[:, 1].std(ddof=1), Z[:, spec.iy].std(ddof=1)

    def eff_moments(M):
        sd = bt.sds_from_moments(M)
        return spec.indirect(spec.coefs_from_moments(M), sd[:, 1], sd[:, spec.iy])

    if ci_method == "montecarlo":
        est_d = spec.indirect({kk: f["beta"][None, :] for kk, f in fits.items()}, sdx, sdy)
        names = list(est_d)
        t0 = np.array([est_d[kk][0] for kk in names])
        draws_c = {kk: rng.multivariate_normal(f["beta"], f["vcov"], size=n_boot, method="cholesky")
                   for kk, f in fits.items()}
        dd = spec.indirect(draws_c, sdx, sdy)
        draws = np.column_stack([dd[kk] for kk in names])
        se = draws.std(axis=0, ddof=1)
        a = (1 - ci) / 2
        cis = np.quantile(draws, [a, 1 - a], axis=0).T
    else:
        names, t0, draws, se, cis = bt.run(Z, eff_moments, n_boot=n_boot, level=ci, method=ci_method,
                                           rng=rng, cluster_codes=codes, counts=counts)

    def label(key):
        if key == "total":
            return "total"
        return " -> ".join(ms[i] for i in key)

    tcrit = lambda f: stats.t.ppf(0.5 + ci / 2, f["df"])  # noqa: E731
    rows = []

    def path_row(path, f, j):
        est, s = float(f["beta"][j]), float(np.sqrt(f["vcov"][j, j]))
        tc = tcrit(f)
        rows.append((path, est, s, est - tc * s, est + tc * s, float(2 * stats.t.sf(abs(est / s), f["df"]))))
        return est

    sfx = (lambda nm: "") if single else (lambda nm: f"[{nm}]")
    a_d, b_d, d_d = {}, {}, {}
    for j, nm in enumerate(ms):
        a_d[nm] = path_row(f"a{sfx(nm)}", fits[f"m{j}"], 1)
    if spec.serial:
        for j in range(1, spec.k):
            for i in range(j):
                d_d[f"{ms[i]} -> {ms[j]}"] = path_row(f"d[{ms[i]} -> {ms[j]}]", fits[f"m{j}"], 2 + i)
    for j, nm in enumerate(ms):
        b_d[nm] = path_row(f"b{sfx(nm)}", fits["y"], 2 + j)
    c = path_row("c", fits["total"], 1)
    c_prime = path_row("c_prime", fits["y"], 1)
    ind, ind_se, ind_ci, std, std_ci = {}, {}, {}, {}, {}
    draw_cols = {}
    for i, key in enumerate(names):
        is_std = isinstance(key, tuple) and len(key) == 2 and key[0] == "std"
        base = key[1] if is_std else key
        if single and base != "total":
            lab = ""
        else:
            lab = f"[{label(base)}]"
        if single and base == "total":
            continue  # identical to the one indirect effect
        est, s = float(t0[i]), float(se[i])
        lo, hi = float(cis[i, 0]), float(cis[i, 1])
        p = float(2 * stats.norm.sf(abs(est / s))) if s > 0 else np.nan
        rows.append((("indirect_std" if is_std else "indirect") + lab, est, s, lo, hi, p))
        keyname = label(base)
        if is_std:
            std[keyname], std_ci[keyname] = est, (lo, hi)
        else:
            ind[keyname], ind_se[keyname], ind_ci[keyname] = est, s, (lo, hi)
            draw_cols["indirect" + lab] = draws[:, i]
    table = pd.DataFrame(rows, columns=["path", "est", "se", "ci_lower", "ci_upper", "pvalue"])
    if single:
        one = label((0,))
        a_o, b_o = a_d[ms[0]], b_d[ms[0]]
        i_o, s_o, c_o, st, st_ci = ind[one], ind_se[one], ind_ci[one], std[one], std_ci[one]
    else:
        a_o, b_o, i_o, s_o, c_o, st, st_ci = a_d, b_d, ind, ind_se, ind_ci, std, std_ci
    kind = "simple" if single else ("serial" if spec.serial else "parallel")
    return MediationResult(
        x=x, m=ms[0] if single else list(ms), y=y, kind=kind, n=n, a=a_o, b=b_o, c=c, c_prime=c_prime,
        indirect=i_o, indirect_se=s_o, indirect_ci=c_o, indirect_std=st, indirect_std_ci=st_ci,
        table=table, d=d_d, covariates=tuple(cov), n_boot=int(n_boot), ci=ci, ci_method=ci_method,
        n_clusters=n_cl, draws=pd.DataFrame(draw_cols))
