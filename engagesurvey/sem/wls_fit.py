"""Fit measures of a WLSMV fit, as lavaan 0.6-14's ``fitMeasures()`` for ordered indicators.

Keys (snake_case of lavaan's names; every value is the lavaan number of the same name):

* ``chisq df pvalue``: the DWLS statistic ``2 N F``; ``chisq_scaled df_scaled pvalue_scaled
  chisq_scaling_factor``: the scaled-and-shifted test (``1/a``); ``baseline_*``: the same for the
  independence model (thresholds free in every group, correlations 0).
* ``cfi tli nnfi rfi nfi pnfi ifi rni``: from the DWLS statistics; ``*_scaled``: the same formulas on the
  scaled-shifted statistics.
* ``cfi_robust tli_robust nnfi_robust rni_robust rmsea_robust rmsea_ci_lower_robust
  rmsea_ci_upper_robust rmsea_pvalue_robust rmsea_notclose_pvalue_robust``: lavaan's "robust" indices
  for categorical data (Savalei 2021): ``XX3`` is the normal-theory ML discrepancy ``N [log|P| +
  tr(R P^-1) - log|R| - p]`` between the polychoric matrix ``R`` and the model-implied correlations ``P``
  at the DWLS estimates (lavaan's ``catML``), with scaling ``c3 = tr(WiU' V WiU Gamma) / df``,
  ``WiU = I - Delta E^-1 Delta' W`` over the correlations, ``V`` the ML expected information of the
  correlations at ``P``; for the baseline ``XX3_0 = -N log|R|`` and ``c3_0 = tr(Gamma_cor) / df0``.
  ``cfi_robust = 1 - max(XX3 - c3 df, 0) / max(XX3 - c3 df, XX3_0 - c3_0 df0, 0)``,
  ``rmsea_robust = sqrt(max(XX3 / (N df) - c3 / N, 0)) sqrt(G)``. NaN when scale factors are free (lavaan
  0.6-14 reports NA there too) or R is not positive definite.
* ``rmsea rmsea_ci_lower rmsea_ci_upper rmsea_pvalue rmsea_notclose_pvalue`` (and ``_scaled``):
  from the DWLS (scaled-shifted) statistic.
* ``srmr`` (= lavaan's ``srmr_bentler_nomean``, lavaan's ``srmr`` for categorical data): root mean
  square of the correlation residuals over the lower triangle with diagonal; ``rmr`` (= ``srmr``
  here, correlations) and ``srmr_bentler`` (thresholds included as "means").

Reference: Savalei, V. (2021). Improving fit indices in structural equation modeling with categorical
data. Multivariate Behavioral Research, 56, 390-407. Checked against ``fitMeasures()`` (lavaan 0.6-14).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .fit import cfi, rmsea, rmsea_ci, rmsea_pclose, tli


def _nfi(X2, df, X2b, dfb):
    if df > dfb or np.isclose(X2b, 0):
        return np.nan
    return (X2b - X2) / X2b if df > 0 else 1.0


def _rfi(X2, df, X2b, dfb):
    if df > dfb:
        return np.nan
    if df > 0 and dfb > 0:
        t1, t2 = X2b / dfb - X2 / df, X2b / dfb
        return 1.0 if (t1 < 0 or t2 < 0) else t1 / t2
    return 1.0


def _ifi(X2, df, X2b, dfb):
    t1, t2 = X2b - X2, X2b - df
    if t2 < 0:
        return 1.0
    return np.nan if np.isclose(t2, 0) else t1 / t2


def _pnfi(X2, df, X2b, dfb):
    return (df / dfb) * (X2b - X2) / X2b if dfb > 0 and X2b > 0 else np.nan


def _rni(X2, df, X2b, dfb, c=1.0, cb=1.0):
    t1, t2 = X2 - c * df, X2b - cb * dfb
    return np.nan if np.isclose(t2, 0) else 1.0 - t1 / t2


def _notclose(X2, df, N, G=1, c=1.0, h0=0.08):
    if df <= 0 or not np.isfinite(X2):
        return np.nan
    return float(special.chndtr(X2, df, N * df / c * h0 ** 2 / G))


def _pclose(X2, df, N, G=1, c=1.0, h0=0.05):
    return rmsea_pclose(X2, df, N, G, c, h0) if np.isfinite(X2) else np.nan


def implied_cor(model, x, g):
    """Model-implied correlation matrix of the latent responses (unit diagonal)."""
    sigma, _, _ = model.implied(x, g)
    D = model.scales(x, g)
    P = D[:, None] * sigma * D[None, :]
    np.fill_diagonal(P, 1.0)
    return P


def catml_robust(model, x, stats_, fg, Js, E_inv, df, dfb):
    """(XX3, c3, XX3_0, c3_0) of lavaan's lav_fit_catml_dwls; NaNs when not available."""
    nan4 = (np.nan,) * 4
    if any((k >= 0).any() for k in model.sc_k):
        return nan4
    XX3, XX0 = 0.0, 0.0
    Vs, Ws, Ds, Gs = [], [], [], []
    for g, st in enumerate(stats_):
        R = st.cor
        if np.linalg.eigvalsh(R)[0] < np.sqrt(np.finfo(float).eps):
            return nan4
        P = implied_cor(model, x, g)
        p = len(R)
        Pinv = np.linalg.inv(P)
        XX3 += st.n * (np.linalg.slogdet(P)[1] + np.sum(R * Pinv) - np.linalg.slogdet(R)[1] - p)
        XX0 += st.n * (-np.linalg.slogdet(R)[1])
        ii, jj = st.pairs
        V = Pinv[ii][:, ii] * Pinv[jj][:, jj] + Pinv[ii][:, jj] * Pinv[jj][:, ii]
        T = len(st.th)
        Vs.append(fg[g] * V)
        Ws.append(fg[g] * st.wls_vd[T:])
        Ds.append(Js[g][T:])
        Gs.append(st.gamma[T:, T:] / fg[g])
    from scipy.linalg import block_diag

    V = block_diag(*Vs)
    W = np.concatenate(Ws)
    D = np.vstack(Ds)
    Gam = block_diag(*Gs)
    WiU = np.eye(len(W)) - (D @ E_inv @ D.T) * W[None, :]
    ks = float(np.sum((WiU.T @ V @ WiU) * Gam.T))
    return XX3, ks / df if df > 0 else np.nan, XX0, float(np.trace(Gam)) / dfb


def wls_fit_measures(*, chisq, df, npar, N, G, fmin, scaled, base, robust, srmr_parts) -> dict:
    """Assemble the dict. ``scaled`` = (chisq_scaled, factor, shift); ``base`` = (X2b, dfb, X2b_scaled,
    factor_b); ``robust`` = (XX3, c3, XX3_0, c3_0); ``srmr_parts`` = (srmr, srmr_bentler)."""
    Xs, cf, _shift = scaled
    X2b, dfb, Xbs, cfb = base
    XX3, c3, XX0, c30 = robust
    out = dict(npar=float(npar), fmin=fmin, chisq=chisq, df=float(df),
               pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan,
               chisq_scaled=Xs, df_scaled=float(df), pvalue_scaled=float(stats.chi2.sf(Xs, df)) if df > 0 else np.nan,
               chisq_scaling_factor=cf, baseline_chisq=X2b, baseline_df=float(dfb),
               baseline_pvalue=float(stats.chi2.sf(X2b, dfb)), baseline_chisq_scaled=Xbs,
               baseline_df_scaled=float(dfb), baseline_pvalue_scaled=float(stats.chi2.sf(Xbs, dfb)),
               baseline_chisq_scaling_factor=cfb)
    out["cfi"], out["tli"] = cfi(chisq, df, X2b, dfb), tli(chisq, df, X2b, dfb)
    out["cfi_scaled"], out["tli_scaled"] = cfi(Xs, df, Xbs, dfb), tli(Xs, df, Xbs, dfb)
    if np.isfinite(XX3) and np.isfinite(XX0):
        out["cfi_robust"] = cfi(XX3, df, XX0, dfb, c3, c30)
        out["tli_robust"] = tli(XX3, df, XX0, dfb, c3, c30)
        out["rni_robust"] = _rni(XX3, df, XX0, dfb, c3, c30)
    else:
        out["cfi_robust"] = out["tli_robust"] = out["rni_robust"] = np.nan
    out["nnfi_robust"] = out["tli_robust"]
    for suffix, (a, b) in (("", (chisq, X2b)), ("_scaled", (Xs, Xbs))):
        out["nnfi" + suffix] = tli(a, df, b, dfb)
        out["rfi" + suffix] = _rfi(a, df, b, dfb)
        out["nfi" + suffix] = _nfi(a, df, b, dfb)
        out["pnfi" + suffix] = _pnfi(a, df, b, dfb)
        out["ifi" + suffix] = _ifi(a, df, b, dfb)
        out["rni" + suffix] = _rni(a, df, b, dfb)
    out["rmsea"] = rmsea(chisq, df, N, G)
    out["rmsea_ci_lower"], out["rmsea_ci_upper"] = rmsea_ci(chisq, df, N, G)
    out["rmsea_ci_level"] = 0.90
    out["rmsea_pvalue"] = _pclose(chisq, df, N, G)
    out["rmsea_close_h0"] = 0.05
    out["rmsea_notclose_pvalue"] = _notclose(chisq, df, N, G)
    out["rmsea_notclose_h0"] = 0.08
    out["rmsea_scaled"] = rmsea(Xs, df, N, G)
    out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = rmsea_ci(Xs, df, N, G)
    out["rmsea_pvalue_scaled"] = _pclose(Xs, df, N, G)
    out["rmsea_notclose_pvalue_scaled"] = _notclose(Xs, df, N, G)
    if np.isfinite(XX3) and np.isfinite(c3):
        XX3s = XX3 / c3
        out["rmsea_robust"] = rmsea(XX3, df, N, G, c3)
        out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"] = rmsea_ci(XX3s, df, N, G, c3)
        out["rmsea_pvalue_robust"] = _pclose(XX3s, df, N, G, c3)
        out["rmsea_notclose_pvalue_robust"] = _notclose(XX3s, df, N, G, c3)
    else:
        for k in ("rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust", "rmsea_pvalue_robust",
                  "rmsea_notclose_pvalue_robust"):
            out[k] = np.nan
    out["srmr"], out["srmr_bentler"] = srmr_parts
    out["rmr"] = out["srmr_bentler"]
    return {k: float(v) for k, v in out.items()}


def wls_srmr(model, x, stats_, N):
    """(srmr over the correlations, srmr_bentler with the thresholds as means), N_g/N weighted."""
    s1 = s2 = 0.0
    for g, st in enumerate(stats_):
        P = implied_cor(model, x, g)
        il = np.tril_indices(len(P))
        e = (st.cor - P)[il]
        T = len(st.th)
        th_res = st.th - model.wls_est(x, g)[:T]
        s1 += st.n / N * np.sqrt(np.mean(e ** 2))
        s2 += st.n / N * np.sqrt(np.mean(np.concatenate([e, th_res]) ** 2))
    return s1, s2
