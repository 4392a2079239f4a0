"""Closed-form power for the designs that have one (used as cross-checks of the simulations).

Each is checked against the same formula written by hand in base R (``tests/reference/power_closed.R``;
pwr-package conventions): ``pnorm`` / ``pt`` / ``pf`` with non-centrality parameters.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def correlation_power(r: float, n: int, alpha: float = 0.05) -> float:
    """Two-sided power of the test of a correlation by Fisher's z (normal approximation).

    ``power = Phi(|atanh r| sqrt(n - 3) - z_{1-alpha/2}) + Phi(-|atanh r| sqrt(n - 3) - z_{1-alpha/2})``
    (Cohen 1988, ch. 3; as ``pwr::pwr.r.test`` without its small-sample correction).
    """
    z = abs(np.arctanh(r)) * np.sqrt(n - 3)
    zc = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf(z - zc) + stats.norm.cdf(-z - zc))


def regression_power(f2: float, n: int, n_predictors: int = 1, df1: int = 1, alpha: float = 0.05) -> float:
    """Power of the F test of ``df1`` coefficients in a regression with ``n_predictors`` predictors.

    Noncentral F with ``lambda = f2 * n`` (Cohen's convention ``f2 (u + v + 1)``, as ``pwr::pwr.f2.test``),
    ``df2 = n - n_predictors - 1``; ``f2 = beta^2 / (1 - R2_full)`` for one standardised path with
    uncorrelated predictors.
    """
    df2 = n - n_predictors - 1
    crit = stats.f.ppf(1 - alpha, df1, df2)
    return float(stats.ncf.sf(crit, df1, df2, f2 * n))


def t_power(ncp: float, df: float, alpha: float = 0.05) -> float:
    """Two-sided power of a t test with non-centrality ``ncp`` (as ``pwr::pwr.t.test``'s formula)."""
    tc = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(tc, df, ncp) + stats.nct.cdf(-tc, df, ncp))


def two_group_power(d: float, n_per_arm: float, alpha: float = 0.05) -> float:
    """Two-sample t test: ``ncp = d sqrt(n/2)``, ``df = 2n - 2`` (``pwr::pwr.t.test(type = "two.sample")``)."""
    return t_power(d * np.sqrt(n_per_arm / 2), 2 * n_per_arm - 2, alpha)


def cluster_trial_power(d: float, n_units_per_arm: int, per_unit: int, icc: float, baseline_r: float = 0.0,
                        alpha: float = 0.05) -> float:
    """Two-arm cluster-randomised comparison analysed by a t test (or ANCOVA) on the cluster means.

    The variance of a cluster mean of the outcome (total variance 1) is ``tau = icc + (1 - icc)/m``, so
    ``ncp = d / sqrt(2 tau (1 - r^2) / J)`` with ``df = 2J - 2`` (``2J - 3`` with a baseline covariate whose
    correlation with the outcome is ``r`` at both levels). Equivalent to the two-sample test at
    ``n = J m / deff`` people per arm with the design effect ``deff = 1 + (m - 1) icc`` (Donner & Klar
    2000), apart from the degrees of freedom. With a baseline covariate the formula treats the covariate as
    fixed (slightly optimistic for few clusters).
    """
    tau = icc + (1 - icc) / per_unit
    ncp = d / np.sqrt(2 * tau * (1 - baseline_r**2) / n_units_per_arm)
    df = 2 * n_units_per_arm - 2 - (1 if baseline_r != 0 else 0)
    return t_power(ncp, df, alpha)


def design_effect(per_unit: int, icc: float, icc_x: float = 1.0) -> float:
    """``1 + (m - 1) icc_x icc`` (Scott & Holt 1982); ``icc_x = 1`` (a unit-level predictor) gives Kish's
    ``1 + (m - 1) icc``."""
    return 1.0 + (per_unit - 1) * icc * icc_x
