"""Monte Carlo power and sample-size planning for survey designs, single-level and clustered.

Effects are standardised: every variable has variance 1 (``standardized=False`` instead gives every
residual variance 1, the parameterisation of Fritz & MacKinnon 2007). Clustered designs (``n_units``
units of ``per_unit`` people) give every variable a random intercept with intraclass correlation
``icc``. Simulations are vectorised across replications (see :mod:`engagesurvey.power_sim`), seeded with
a numpy ``SeedSequence``, and report the Monte Carlo CI of the power (Wilson by default, or the exact
Clopper-Pearson interval). :func:`solve` searches the smallest size reaching a target power with common
random numbers across candidate sizes, then confirms it with fresh random numbers.

Functions: :func:`mediation`, :func:`parallel_mediation`, :func:`correlation`, :func:`regression_path`,
:func:`ordinal`, :func:`cluster_trial`, :func:`solve`; closed forms in :mod:`engagesurvey.power_closed`.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import power_closed as closed
from ._results import ResultMixin
from .errors import EngageSurveyError
from .power_sim import Design, seed_sequence, simulate

__all__ = [
    "PowerResult",
    "closed",
    "cluster_trial",
    "correlation",
    "mc_ci",
    "mediation",
    "min_size",
    "ordinal",
    "parallel_mediation",
    "regression_path",
    "size_key",
    "solve",
]


@dataclass(repr=False)
class PowerResult(ResultMixin):
    """Simulated power: ``.power`` with its Monte Carlo ``.ci`` over ``.reps`` replications.

    ``.powers`` holds the power of every effect tested (e.g. the a and b paths too); ``.n`` /
    ``.n_units`` the size simulated (found, after :func:`solve`); ``.curve`` the sizes tried by
    :func:`solve` with their powers under common random numbers.
    """

    kind: str
    power: float
    ci: tuple
    reps: int
    n: int
    n_units: float = float("nan")
    per_unit: float = float("nan")
    icc: float = 0.0
    method: str = ""
    analysis: str = ""
    effect: str = ""
    alpha: float = 0.05
    powers: dict = field(default_factory=dict)
    mean_estimates: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    target: float = float("nan")
    curve: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"PowerResult(kind={self.kind!r}, n={self.n}, power={self.power:.4f})"

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for k, p in self.powers.items():
            lo, hi = mc_ci(round(p * self.reps), self.reps)
            rows.append({"effect": k, "power": p, "ci_lower": lo, "ci_upper": hi,
                         "mean_estimate": self.mean_estimates.get(k, float("nan"))})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        size = f"n = {self.n}"
        if not math.isnan(self.n_units):
            size += f" ({self.n_units:g} units x {self.per_unit:g}, ICC = {self.icc:g})"
        pars = ", ".join(f"{k} = {v}" for k, v in self.parameters.items())
        lines = [f"Monte Carlo power: {self.kind} ({pars})",
                 (f"{size}; method = {self.method}, analysis = {self.analysis}, alpha = {self.alpha:g}, "
                  f"reps = {self.reps}")]
        if not math.isnan(self.target):
            lines.append(f"target power = {self.target:g}: smallest size found by search with common random "
                         "numbers, power confirmed with fresh random numbers")
        lines.append(f"power ({self.effect}) = {self.power:.4f}, Monte Carlo 95% CI [{self.ci[0]:.4f}, "
                     f"{self.ci[1]:.4f}]")
        frame = self.to_frame()
        if len(frame) > 1:
            lines += ["", frame.to_string(index=False, float_format=lambda v: f"{v:.4f}")]
        return "\n".join(lines)


def mc_ci(hits: int, reps: int, level: float = 0.95, method: str = "wilson") -> tuple:
    """Monte Carlo CI of a power estimated as hits/reps: Wilson score or exact Clopper-Pearson.

    Wilson is R's ``prop.test(hits, reps, correct = FALSE)$conf.int``, exact is
    ``binom.test(hits, reps)$conf.int`` (checked in tests/reference/power_ci.R).
    """
    level = _finite("level", level)
    if not 0 < level < 1:
        raise EngageSurveyError(f"level must be in (0, 1), got {level!r}")
    if reps <= 0:
        return (float("nan"), float("nan"))
    z = stats.norm.ppf(0.5 + level / 2)
    p = hits / reps
    if method == "wilson":
        den = 1 + z**2 / reps
        mid = (p + z**2 / (2 * reps)) / den
        half = z * math.sqrt(p * (1 - p) / reps + z**2 / (4 * reps**2)) / den
        return (float(max(0.0, mid - half)), float(min(1.0, mid + half)))
    if method == "exact":
        a = 1 - level
        lo = 0.0 if hits == 0 else float(stats.beta.ppf(a / 2, hits, reps - hits + 1))
        hi = 1.0 if hits == reps else float(stats.beta.ppf(1 - a / 2, hits + 1, reps - hits))
        return (lo, hi)
    raise EngageSurveyError(f"ci_method must be 'wilson' or 'exact', got {method!r}")


# ------------------------------------------------------------------------------------- checks


def _int(name, value, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise EngageSurveyError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


def _finite(name, value):
    """``value`` as a finite float, or a one-line error naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise EngageSurveyError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise EngageSurveyError(f"{name} must be a finite number, got {value!r}")
    return v


def _coef(name, value, bound=1.0):
    v = _finite(name, value)
    if abs(v) >= bound:
        raise EngageSurveyError(f"{name} must be a standardised effect between -{bound:g} and {bound:g}, "
                                f"got {value!r}")
    return v


def _sizes(n, n_units, per_unit, icc, min_n):
    """(total n, units, per_unit or None, icc) from the user's size arguments."""
    icc = _finite("icc", icc)
    if not 0.0 <= icc < 1.0:
        raise EngageSurveyError(f"icc must be in [0, 1), got {icc!r}")
    if per_unit is None:
        if n_units is not None:
            raise EngageSurveyError("n_units needs per_unit (people per unit); for a single-level design give n")
        if icc > 0:
            raise EngageSurveyError(f"icc = {icc:g} needs a clustered design: give n_units and per_unit")
        if n is None:
            raise EngageSurveyError("give the sample size n (or n_units and per_unit), or use power.solve")
        n = _int("n", n, min_n)
        return n, n, None, icc
    per_unit = _int("per_unit", per_unit, 2)
    if n_units is None:
        if n is None:
            raise EngageSurveyError("give n_units (with per_unit), or use power.solve")
        n = _int("n", n, min_n)
        if n % per_unit:
            raise EngageSurveyError(f"n = {n} is not a multiple of per_unit = {per_unit}: give n_units instead")
        n_units = n // per_unit
    n_units = _int("n_units", n_units, 3)
    return n_units * per_unit, n_units, per_unit, icc


def _common(reps, alpha, method, ci_method, n_boot=None):
    _int("reps", reps, 1)
    if method in ("bootstrap", "montecarlo"):
        _int("n_boot", n_boot, 2)
    alpha = _finite("alpha", alpha)
    if not 0 < alpha < 1:
        raise EngageSurveyError(f"alpha must be in (0, 1), got {alpha!r}")
    if ci_method not in ("wilson", "exact"):
        raise EngageSurveyError(f"ci_method must be 'wilson' or 'exact', got {ci_method!r}")
    return float(alpha)


def _run(kind, design, effects, main, *, n, n_units, per_unit, icc, reps, analysis, method, alpha, n_boot,
         seed, progress, ci_method, parameters, combine=None):
    res = simulate(design, n_units=n_units, per_unit=per_unit, icc=icc, reps=reps, analysis=analysis,
                   method=method, effects=effects, alpha=alpha, n_boot=n_boot, seed=seed, progress=progress)
    hits = dict(res["hits"])
    if combine:
        for name, (how, parts) in combine.items():
            stack = np.vstack([hits[p] for p in parts])
            hits[name] = stack.all(axis=0) if how == "all" else stack.any(axis=0)
    powers = {k: float(v.mean()) for k, v in hits.items()}
    means = {k: float(v.mean()) for k, v in res["estimates"].items()}
    if main not in powers:
        raise EngageSurveyError(f"unknown effect {main!r}; choose one of {', '.join(powers)}")
    return PowerResult(kind=kind, power=powers[main], ci=mc_ci(int(hits[main].sum()), reps, method=ci_method),
                       reps=reps, n=n, n_units=float(n_units) if per_unit else float("nan"),
                       per_unit=float(per_unit) if per_unit else float("nan"), icc=float(icc), method=method,
                       analysis=analysis, effect=main, alpha=float(alpha), powers=powers, mean_estimates=means,
                       parameters=parameters)


def _analysis(analysis, per_unit, clustered_default):
    if analysis is None:
        return "ols" if per_unit is None else clustered_default
    allowed = ("ols",) if per_unit is None else ("within", "between", "cluster_robust", "ols")
    if analysis not in allowed:
        raise EngageSurveyError(f"analysis {analysis!r} is not available for this design; use one of "
                                f"{', '.join(allowed)}")
    return analysis


# ----------------------------------------------------------------------------------- designs


def mediation(a, b, *, n=None, n_units=None, per_unit=None, icc=0.0, method="joint", reps=1000, seed=None,
              c=0.0, analysis=None, n_boot=1000, alpha=0.05, standardized=True, ci_method="wilson",
              progress: Callable | None = None) -> PowerResult:
    """Power to detect the indirect effect a*b of x -> m -> y.

    Model (standardised): ``m = a x + e_m``, ``y = c x + b m + e_y`` with residual variances making
    var(m) = var(y) = 1. Tests: ``method="joint"`` (joint significance: both the a and the b t test
    significant; Fritz & MacKinnon 2007), ``"bootstrap"`` (percentile bootstrap CI of a*b excludes 0,
    ``n_boot`` draws per replication; cluster bootstrap in clustered designs) or ``"montecarlo"``
    (Monte Carlo CI, Preacher & Selig 2012).

    Clustered (``n_units`` x ``per_unit``, ``icc`` for x, m and y): ``analysis="within"`` (default)
    tests the within-unit indirect effect a_W * b_W of the 1-1-1 multilevel model with group-mean
    centring (H4; as :func:`engagesurvey.models.multilevel_mediation`), ``"between"`` the between
    one, ``"cluster_robust"`` pooled OLS paths with CR1 cluster-robust SEs.

    Returns a :class:`PowerResult`; ``.powers`` also has the power of the a and b paths alone.
    Checked against Fritz & MacKinnon (2007, Table 3) sample sizes (``standardized=False``).
    """
    a, b, c = _coef("a", a), _coef("b", b), _coef("c", c)
    alpha = _common(reps, alpha, method, ci_method, n_boot)
    N, G, m, icc = _sizes(n, n_units, per_unit, icc, 5)
    analysis = _analysis(analysis, m, "within")
    B = np.zeros((3, 3))
    B[1, 0], B[2, 0], B[2, 1] = a, c, b
    design = Design(["x", "m", "y"], B, [(1, (0,)), (2, (0, 1))],
                    {"indirect": [((0, 0), (1, 1))], "a": [((0, 0),)], "b": [((1, 1),)]}, standardized)
    return _run("mediation", design, ["indirect", "a", "b"], "indirect", n=N, n_units=G, per_unit=m, icc=icc,
                reps=reps, analysis=analysis, method=method, alpha=alpha, n_boot=n_boot, seed=seed,
                progress=progress, ci_method=ci_method, parameters={"a": a, "b": b, "c": c})


def parallel_mediation(a, b, *, n=None, n_units=None, per_unit=None, icc=0.0, method="joint", reps=1000,
                       seed=None, c=0.0, effect=None, analysis=None, n_boot=1000, alpha=0.05, standardized=True,
                       ci_method="wilson", progress: Callable | None = None) -> PowerResult:
    """Power for parallel mediators x -> m_k -> y (residuals of the mediators uncorrelated).

    ``a`` and ``b`` are lists (one per mediator). ``.powers`` has each specific indirect effect
    (``"m1"``, ``"m2"``, ...), and ``"all"`` / ``"any"`` (every / at least one specific effect detected)
    or, with ``method="bootstrap"``/``"montecarlo"``, ``"total"`` (the sum of the indirect effects).
    ``effect`` picks ``.power``: default ``"all"`` for joint significance, ``"total"`` otherwise.
    """
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        raise EngageSurveyError("a and b must be lists with one effect per mediator")
    a = [_coef(f"a[{i}]", v) for i, v in enumerate(a)]
    b = [_coef(f"b[{i}]", v) for i, v in enumerate(b)]
    if len(a) != len(b) or not a:
        raise EngageSurveyError(f"a and b need one value per mediator each (got {len(a)} and {len(b)})")
    c = _coef("c", c)
    alpha = _common(reps, alpha, method, ci_method, n_boot)
    k = len(a)
    N, G, m, icc = _sizes(n, n_units, per_unit, icc, k + 4)
    analysis = _analysis(analysis, m, "within")
    v = k + 2
    B = np.zeros((v, v))
    B[1:k + 1, 0] = a
    B[k + 1, 0] = c
    B[k + 1, 1:k + 1] = b
    names = ["x"] + [f"m{i + 1}" for i in range(k)] + ["y"]
    eqs = [(i + 1, (0,)) for i in range(k)] + [(k + 1, tuple(range(k + 1)))]
    effects = {f"m{i + 1}": [((i, 0), (k, i + 1))] for i in range(k)}
    effects["total"] = [t for i in range(k) for t in effects[f"m{i + 1}"]]
    design = Design(names, B, eqs, effects, standardized)
    specific = [f"m{i + 1}" for i in range(k)]
    if method == "joint" and effect == "total":
        raise EngageSurveyError("effect 'total' sums several paths: use method='bootstrap' or 'montecarlo' "
                                "(joint significance needs a single path)")
    if method == "joint":
        tested, combine, default = specific, {"all": ("all", specific), "any": ("any", specific)}, "all"
    else:
        tested, combine, default = specific + ["total"], {"all": ("all", specific), "any": ("any", specific)}, \
            "total"
    return _run("parallel_mediation", design, tested, effect or default, n=N, n_units=G, per_unit=m, icc=icc,
                reps=reps, analysis=analysis, method=method, alpha=alpha, n_boot=n_boot, seed=seed,
                progress=progress, ci_method=ci_method, parameters={"a": a, "b": b, "c": c}, combine=combine)


def correlation(r, n=None, *, n_units=None, per_unit=None, icc=0.0, reps=1000, seed=None, analysis=None,
                alpha=0.05, ci_method="wilson", progress: Callable | None = None) -> PowerResult:
    """Power of the two-sided test of a correlation ``r`` (t test of the standardised slope).

    Single level this is the exact t test of Pearson's r; compare :func:`power_closed.correlation_power`
    (Fisher z). Clustered (``icc`` on x and y): pooled slope with CR1 cluster-robust SEs by default, whose
    effective design effect is ``1 + (m - 1) icc_x icc_y`` (Scott & Holt 1982).
    """
    r = _coef("r", r)
    alpha = _common(reps, alpha, "joint", ci_method)
    N, G, m, icc = _sizes(n, n_units, per_unit, icc, 4)
    analysis = _analysis(analysis, m, "cluster_robust")
    B = np.array([[0.0, 0.0], [r, 0.0]])
    design = Design(["x", "y"], B, [(1, (0,))], {"r": [((0, 0),)]})
    return _run("correlation", design, ["r"], "r", n=N, n_units=G, per_unit=m, icc=icc, reps=reps,
                analysis=analysis, method="joint", alpha=alpha, n_boot=0, seed=seed, progress=progress,
                ci_method=ci_method, parameters={"r": r})


def regression_path(beta, n=None, *, n_predictors=1, r2_other=0.0, n_units=None, per_unit=None, icc=0.0,
                    reps=1000, seed=None, analysis=None, alpha=0.05, ci_method="wilson",
                    progress: Callable | None = None) -> PowerResult:
    """Power of the t test of one standardised coefficient among ``n_predictors`` uncorrelated predictors.

    The other predictors explain ``r2_other`` of the outcome's variance (equally split), so
    ``R2 = beta^2 + r2_other`` and Cohen's ``f2 = beta^2 / (1 - R2)``; compare
    :func:`power_closed.regression_power` (noncentral F, ``pwr::pwr.f2.test``).
    """
    beta = _coef("beta", beta)
    k = _int("n_predictors", n_predictors, 1)
    r2_other = _finite("r2_other", r2_other)
    if r2_other < 0 or beta**2 + r2_other >= 1:
        raise EngageSurveyError(f"r2_other = {r2_other:g} with beta = {beta:g}: need r2_other >= 0 and "
                                "beta^2 + r2_other < 1")
    if k == 1 and r2_other > 0:
        raise EngageSurveyError("r2_other > 0 needs n_predictors >= 2 (the other predictors explain it)")
    alpha = _common(reps, alpha, "joint", ci_method)
    N, G, m, icc = _sizes(n, n_units, per_unit, icc, k + 3)
    analysis = _analysis(analysis, m, "cluster_robust")
    v = k + 1
    B = np.zeros((v, v))
    B[k, 0] = beta
    if k > 1:
        B[k, 1:k] = math.sqrt(r2_other / (k - 1))
    names = ["x"] + [f"z{i}" for i in range(1, k)] + ["y"]
    design = Design(names, B, [(k, tuple(range(k)))], {"beta": [((0, 0),)]})
    return _run("regression_path", design, ["beta"], "beta", n=N, n_units=G, per_unit=m, icc=icc, reps=reps,
                analysis=analysis, method="joint", alpha=alpha, n_boot=0, seed=seed, progress=progress,
                ci_method=ci_method,
                parameters={"beta": beta, "n_predictors": k, "r2_other": r2_other})


def ordinal(beta, n=None, *, thresholds=None, probabilities=None, forced_distribution=False, n_units=None,
            per_unit=None, icc=0.0, reps=1000, seed=None, alpha=0.05, ci_method="wilson",
            progress: Callable | None = None) -> PowerResult:
    """Power of the Wald test of ``beta`` in a proportional-odds (cumulative logit) model.

    See :mod:`engagesurvey.power_ordinal` for the data model (latent logistic outcome, thresholds from
    ``thresholds`` or from the marginal category ``probabilities``), the forced distribution of ratings
    within units, and the analysis (``MASS::polr`` / ``ordinal::clm``; clustered: within-unit x with the
    unit mean, CR1 sandwich).
    """
    from .power_ordinal import simulate_ordinal

    beta = _finite("beta", beta)
    alpha = _common(reps, alpha, "joint", ci_method)
    N, G, m, icc = _sizes(n, n_units, per_unit, icc, 10)
    if forced_distribution and m is None:
        raise EngageSurveyError("forced_distribution=True needs units: give n_units and per_unit")
    hits, est, info = simulate_ordinal(beta, N, G, m, icc, thresholds, probabilities, forced_distribution,
                                       reps, alpha, seed, progress)
    pars = {"beta": beta, "thresholds": [float(t) for t in info["thresholds"]],
            "forced_distribution": bool(forced_distribution)}
    res = PowerResult(kind="ordinal", power=float(hits.mean()), ci=mc_ci(int(hits.sum()), reps, method=ci_method),
                      reps=reps, n=N, n_units=float(G) if m else float("nan"),
                      per_unit=float(m) if m else float("nan"), icc=float(icc), method="wald",
                      analysis=info["analysis"], effect="beta", alpha=float(alpha),
                      powers={"beta": float(hits.mean())}, mean_estimates={"beta": float(np.nanmean(est))},
                      parameters=pars)
    return res


def cluster_trial(d, n_units_per_arm=None, per_unit=None, icc=0.0, baseline_r=0.0, *, reps=1000, seed=None,
                  alpha=0.05, ci_method="wilson", progress: Callable | None = None) -> PowerResult:
    """Power of a two-arm cluster-randomised comparison (e.g. a coaching rollout by unit).

    ``y_ij = d T_j + u_j + e_ij`` (total variance 1, ``var(u) = icc``); the optional baseline measure
    correlates ``baseline_r`` with the outcome at both levels. Analysis: t test on the cluster means, or
    ANCOVA on the cluster means with the baseline mean as covariate (for balanced designs without a
    covariate this equals the REML mixed-model test of the treatment). Compare
    :func:`power_closed.cluster_trial_power` and the design effect ``1 + (m - 1) icc``.
    """
    d = _finite("d", d)
    alpha = _common(reps, alpha, "joint", ci_method)
    J = _int("n_units_per_arm", n_units_per_arm, 2 if not baseline_r else 3)
    m = _int("per_unit", per_unit, 1)
    icc, r = _finite("icc", icc), _finite("baseline_r", baseline_r)
    if not 0 <= icc < 1:
        raise EngageSurveyError(f"icc must be in [0, 1), got {icc!r}")
    if not -1 < r < 1:
        raise EngageSurveyError(f"baseline_r must be in (-1, 1), got {baseline_r!r}")
    root = seed_sequence(seed)
    from .power_sim import CHUNK, stream

    hits = np.zeros(reps, dtype=bool)
    est = np.zeros(reps)
    T = np.repeat([0.0, 1.0], J)
    X = [np.ones(2 * J), T]
    tc = stats.t.ppf(1 - alpha / 2, 2 * J - 2 - (1 if r else 0))
    for chunk, start in enumerate(range(0, reps, CHUNK)):
        k = min(CHUNK, reps - start)
        # (units, reps, arm, [y, x]) so that more units per arm extend the same random numbers
        U = stream(root, 1, chunk).standard_normal((J, k, 2, 2)) * math.sqrt(icc)
        W = stream(root, 0, chunk).standard_normal((J, k, 2, m, 2)) * math.sqrt(1 - icc)
        E = W + U[:, :, :, None, :]
        y = E[..., 0]
        x = r * E[..., 0] + math.sqrt(1 - r**2) * E[..., 1]
        ybar = (y.mean(axis=3) + d * np.array([0.0, 1.0])).transpose(1, 2, 0).reshape(k, 2 * J)
        cols = [np.broadcast_to(c, (k, 2 * J)) for c in X]
        if r:
            cols.append(x.mean(axis=3).transpose(1, 2, 0).reshape(k, 2 * J))
        Xm = np.stack(cols, axis=2)
        XtX = np.einsum("rgi,rgj->rij", Xm, Xm)
        coef = np.linalg.solve(XtX, np.einsum("rgi,rg->ri", Xm, ybar)[..., None])[..., 0]
        resid = ybar - np.einsum("rgi,ri->rg", Xm, coef)
        df = 2 * J - Xm.shape[2]
        s2 = (resid**2).sum(axis=1) / df
        se = np.sqrt(s2 * np.linalg.inv(XtX)[:, 1, 1])
        hits[start:start + k] = np.abs(coef[:, 1] / se) > tc
        est[start:start + k] = coef[:, 1]
        if progress is not None:
            progress(start + k, reps)
    return PowerResult(kind="cluster_trial", power=float(hits.mean()), ci=mc_ci(int(hits.sum()), reps,
                                                                                 method=ci_method),
                       reps=reps, n=2 * J * m, n_units=float(J), per_unit=float(m), icc=icc, method="t",
                       analysis="ancova_cluster_means" if r else "t_cluster_means", effect="d", alpha=float(alpha),
                       powers={"d": float(hits.mean())}, mean_estimates={"d": float(est.mean())},
                       parameters={"d": d, "baseline_r": r, "n_units_per_arm": J})


# -------------------------------------------------------------------------------------- solve

KINDS = {"mediation": mediation, "parallel_mediation": parallel_mediation, "correlation": correlation,
         "regression_path": regression_path, "ordinal": ordinal, "cluster_trial": cluster_trial}


def size_key(kind, design) -> str:
    """The size :func:`solve` searches: ``n_units_per_arm`` (cluster trial), ``n_units`` (``per_unit``
    given) or ``n``."""
    if kind == "cluster_trial":
        return "n_units_per_arm"
    return "n_units" if design.get("per_unit") is not None else "n"


def min_size(kind, design) -> int:
    """Smallest value of :func:`size_key` a design of ``kind`` can be simulated at (the designs check
    the same floors): 2 units per arm (3 with a baseline covariate), 3 units, or the single-level n that
    leaves residual degrees of freedom (5 for mediation, k + 4 for k parallel mediators, 4 for a
    correlation, 10 for ordinal, n_predictors + 3 for a regression path)."""
    key = size_key(kind, design)
    if key == "n_units_per_arm":
        return 3 if design.get("baseline_r") else 2
    if key == "n_units":
        return 3
    a = design.get("a")
    k = len(a) if isinstance(a, (list, tuple, np.ndarray)) else 1
    npred = design.get("n_predictors", 1)
    npred = int(npred) if isinstance(npred, (int, np.integer)) and not isinstance(npred, bool) else 1
    return {"mediation": 5, "parallel_mediation": k + 4, "correlation": 4, "ordinal": 10}.get(kind, npred + 3)


def solve(kind, *, target=0.8, reps=1000, seed=None, max_size=None, confirm=True,
          progress: Callable | None = None, **design) -> PowerResult:
    """Smallest sample size reaching ``target`` power for a design of ``kind``.

    The size searched is ``n`` for single-level designs, ``n_units`` when ``per_unit`` is given, and
    ``n_units_per_arm`` for ``"cluster_trial"``. Every candidate size is simulated with the same random
    numbers (common random numbers: a larger sample extends the smaller one), which makes the power curve
    nearly monotone: the search doubles the size until the target is reached, then bisects over
    integers. The size found is then simulated once more with fresh random numbers (``confirm``); the
    returned ``.power``/``.ci`` come from that confirmation and ``.curve`` lists the sizes tried.
    """
    if kind not in KINDS:
        raise EngageSurveyError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if not 0 < _finite("target", target) < 1:
        raise EngageSurveyError(f"target must be in (0, 1), got {target!r}")
    fn = KINDS[kind]
    key, lo = size_key(kind, design), min_size(kind, design)
    params = inspect.signature(fn).parameters
    unknown = [k for k in design if k not in params]
    if unknown:
        raise EngageSurveyError(f"{kind}: unknown argument(s) {', '.join(unknown)}; use "
                                f"{', '.join(p for p in params if p not in ('reps', 'seed', 'progress'))}")
    needed = [p.name for p in params.values() if p.default is p.empty and p.name not in design]
    if needed:
        raise EngageSurveyError(f"{kind}: missing argument(s) {', '.join(needed)}")
    for other in ("n", "n_units", "n_units_per_arm"):
        if design.get(other) is not None:
            raise EngageSurveyError(f"solve finds the size: do not pass {other}")
        design.pop(other, None)
    max_size = max_size or (100_000 if key == "n" else 20_000)
    root = seed_sequence(seed)
    crn = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 0))
    cache: dict[int, float] = {}
    done = [0]

    def power_at(size: int) -> float:
        if size not in cache:
            def prog(k, total):
                if progress is not None:
                    progress(done[0] + k, done[0] + total)
            cache[size] = fn(**design, **{key: size}, reps=reps, seed=crn, progress=prog).power
            done[0] += reps
        return cache[size]

    lo_size, size = lo - 1, max(lo, 8 if key == "n" else lo)
    while power_at(size) < target:
        lo_size = size
        size *= 2
        if size > max_size:
            raise EngageSurveyError(f"{kind}: power {cache[lo_size]:.3f} < target {target:g} even at "
                                    f"{key} = {lo_size}; the effect is too small for a feasible design")
    hi = size
    while hi - lo_size > 1:
        mid = (lo_size + hi) // 2
        if mid < lo:
            lo_size = mid
            continue
        if power_at(mid) >= target:
            hi = mid
        else:
            lo_size = mid
    if confirm:
        fresh = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 1))
        res = fn(**design, **{key: hi}, reps=reps, seed=fresh, progress=progress)
        if res.ci[1] < target:
            warnings.warn(f"{kind}: the size found ({key} = {hi}) gave power {res.power:.3f} on fresh random "
                          f"numbers (CI upper {res.ci[1]:.3f} < target {target:g}); increase reps")
    else:
        res = fn(**design, **{key: hi}, reps=reps, seed=crn)
    res.target = float(target)
    res.curve = pd.DataFrame(sorted(cache.items()), columns=[key, "power"])
    return res
