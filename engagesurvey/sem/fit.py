"""Fit measures as lavaan's ``fitMeasures()`` (lavaan 0.6-14), snake_case names.

* ``chisq = N (F_h0 - F_h1)`` with ``F = -2 logL / N`` (N, not N - 1), ``df`` = sample moments minus
  free parameters (moments of fixed.x covariates excluded).
* baseline: the independence model (variances, and means if there is a mean structure, free).
* ``cfi = 1 - max(X2 - df, 0) / max(X2 - df, X2b - dfb, 0)`` (Bentler 1990),
  ``tli = 1 - ((X2 - df) dfb) / ((X2b - dfb) df)``.
* ``rmsea = sqrt(max(X2 / (N df) - 1 / N, 0)) sqrt(G)`` (Steiger 1990), its 90% CI by inverting the
  noncentral chi-square and the close-fit p-value at RMSEA = .05 (``ncp = N df .05^2 / G``).
* ``srmr``: Bentler's standardized root mean residual over the covariances (and means, when there is a
  mean structure), residuals scaled by the sample standard deviations; groups averaged with weights
  N_g / N.
* robust versions for a scaled test with scaling factor c (Brosseau-Liard, Savalei & Li 2012;
  Brosseau-Liard & Savalei 2014): ``rmsea_robust = sqrt(max(X2/(N df) - c/N, 0)) sqrt(G)``,
  ``cfi_robust = 1 - max(X2 - c df, 0) / max(X2 - c df, X2b - cb dfb, 0)``.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats


def cfi(X2, df, X2b, dfb, c=1.0, cb=1.0):
    t1 = max(X2 - c * df, 0.0)
    t2 = max(X2 - c * df, X2b - cb * dfb, 0.0)
    if np.isclose(t1, 0) and np.isclose(t2, 0):
        return 1.0
    return 1.0 - t1 / t2


def tli(X2, df, X2b, dfb, c=1.0, cb=1.0):
    t1 = (X2 - c * df) * dfb
    t2 = (X2b - cb * dfb) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def rmsea(X2, df, N, G=1, c=1.0):
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(X2 / N / df - c / N, 0.0)) * np.sqrt(G))


def rmsea_ci(X2, df, N, G=1, c=1.0, level=0.90):
    if not (np.isfinite(X2) and df > 0):
        return np.nan, np.nan
    hi_p, lo_p = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam):
        return float(special.chndtr(X2, df, lam)) if lam > 0 else float(special.chdtr(df, X2))

    if df < 1 or cdf(0) - hi_p < 0:
        lower = 0.0
    else:
        lam = optimize.brentq(lambda l: cdf(l) - hi_p, 0, X2, xtol=1e-12)
        lower = np.sqrt(c * lam / (N * df)) * np.sqrt(G)
    n_rm = max(N, X2 * 4)
    if df < 1 or cdf(n_rm) - lo_p > 0 or cdf(0) - lo_p < 0:
        upper = 0.0
    else:
        lam = optimize.brentq(lambda l: cdf(l) - lo_p, 0, n_rm, xtol=1e-12)
        upper = np.sqrt(c * lam / (N * df)) * np.sqrt(G)
    return float(lower), float(upper)


def rmsea_pclose(X2, df, N, G=1, c=1.0, h0=0.05):
    if df <= 0:
        return np.nan
    ncp = N * df / c * h0 ** 2 / G
    return float(1.0 - special.chndtr(X2, df, ncp))


def srmr(groups, implied, meanstructure: bool) -> float:
    """Bentler's SRMR: ``groups`` GroupData (sample cov, mean), ``implied`` list of (Sigma, mu)."""
    N = sum(g.n for g in groups)
    total = 0.0
    for gd, (sigma, mu) in zip(groups, implied):
        sd = np.sqrt(np.diag(gd.cov))
        R = (gd.cov - sigma) / np.outer(sd, sd)
        e = R[np.tril_indices_from(R)]
        if meanstructure:
            e = np.concatenate([e, (gd.mean - mu) / sd])
        total += gd.n / N * np.sqrt(np.mean(e ** 2))
    return float(total)


def fit_measures(*, chisq, df, npar, N, G, loglik, loglik_h1, X2b, dfb, srmr_value,
                 scaled=None) -> dict:
    """Assemble the fit-measure dict; ``scaled`` = dict(c=..., cb=..., ) for MLR."""
    out = dict(npar=float(npar), fmin=chisq / (2 * N), chisq=chisq, df=float(df),
               pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan)
    out.update(baseline_chisq=X2b, baseline_df=float(dfb), baseline_pvalue=float(stats.chi2.sf(X2b, dfb)))
    out["cfi"] = cfi(chisq, df, X2b, dfb)
    out["tli"] = tli(chisq, df, X2b, dfb)
    out["nnfi"] = out["tli"]
    out["loglik"] = loglik
    out["unrestricted_loglik"] = loglik_h1
    out["aic"] = -2 * loglik + 2 * npar
    out["bic"] = -2 * loglik + npar * np.log(N)
    out["ntotal"] = float(N)
    out["bic2"] = -2 * loglik + npar * np.log((N + 2) / 24)
    out["rmsea"] = rmsea(chisq, df, N, G)
    out["rmsea_ci_lower"], out["rmsea_ci_upper"] = rmsea_ci(chisq, df, N, G)
    out["rmsea_pvalue"] = rmsea_pclose(chisq, df, N, G)
    out["srmr"] = srmr_value
    if scaled is None:
        return {k: float(v) for k, v in out.items()}
    if scaled is not None:
        c, cb = scaled["c"], scaled["cb"]
        out["chisq_scaled"] = chisq / c
        out["df_scaled"] = float(df)
        out["pvalue_scaled"] = float(stats.chi2.sf(chisq / c, df)) if df > 0 else np.nan
        out["chisq_scaling_factor"] = c
        out["baseline_chisq_scaled"] = X2b / cb
        out["baseline_chisq_scaling_factor"] = cb
        out["cfi_scaled"] = cfi(chisq / c, df, X2b / cb, dfb)
        out["tli_scaled"] = tli(chisq / c, df, X2b / cb, dfb)
        out["cfi_robust"] = cfi(chisq, df, X2b, dfb, c, cb)
        out["tli_robust"] = tli(chisq, df, X2b, dfb, c, cb)
        out["rmsea_scaled"] = rmsea(chisq / c, df, N, G)
        out["rmsea_robust"] = rmsea(chisq, df, N, G, c)
        out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"] = rmsea_ci(chisq / c, df, N, G, c)
    return {k: float(v) for k, v in out.items()}
