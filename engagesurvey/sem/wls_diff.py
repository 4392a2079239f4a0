"""Scaled chi-square difference test of two nested WLSMV fits (lavaan's ``satorra.2000``).

``lavaan::lavTestLRT`` (0.6-14) compares models fitted with ``test = "scaled.shifted"`` (WLSMV) by
``lav_test_diff_Satorra2000`` with ``H1 = TRUE``, ``A.method = "delta"`` and ``Satterthwaite = TRUE``.
With model 1 the less restricted fit (``T1``, ``df1``) and model 0 the more restricted one (``T0``,
``df0``), ``m = df0 - df1`` and the unscaled DWLS statistics ``T``:

* the constraints: ``H = Delta1^+ Delta0`` (``^+`` the Moore-Penrose inverse; each ``Delta`` the
  Jacobian of the model-implied thresholds and correlations, stacked over groups, at the model's own
  estimates) and ``A`` the rows spanning the orthogonal complement of the columns of ``H``
  (``A H = 0``: the directions of model 1's parameter space that model 0 removes);
* with ``P^-1`` the inverse of model 1's expected information ``P = sum_g f_g Delta_g' W_g Delta_g``
  (``f_g = n_g / N``, ``W_g = diag(NACOV_g)^-1``),
  ``U = V Delta1 P^-1 A' (A P^-1 A')^+ A P^-1 Delta1' V`` with ``V = blockdiag(W_g)`` and
  ``Gamma = blockdiag(f_g Gamma_g)`` (``Gamma_g`` model 1's NACOV);
* ``scaled.shifted = True`` (lavaan's default): ``a = sqrt(m / tr((U Gamma)^2))``,
  ``b = m - a tr(U Gamma)``, ``T_delta = a (T0 - T1) + b`` on ``m`` df (Asparouhov & Muthen 2010);
* ``scaled.shifted = False``: the mean-and-variance adjusted (Satterthwaite) version,
  ``cd = tr((U Gamma)^2) / tr(U Gamma)``, ``T_delta = (T0 - T1) / cd`` on
  ``tr(U Gamma)^2 / tr((U Gamma)^2)`` df.

References: Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of
moment structures. In Heijmans, Pollock & Satorra (Eds.), Innovations in multivariate statistical
analysis (pp. 233-247). Kluwer. Asparouhov, T. & Muthen, B. (2010). Simple second order chi-square
correction. Mplus technical appendix. Checked against ``lavTestLRT`` and
``lavaan:::lav_test_diff_Satorra2000`` (lavaan 0.6-14; tests/reference/sem_wlsmv_invariance.R).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sstats
from scipy.linalg import block_diag

from ..errors import EngageSurveyError
from .wls import robust_parts


@dataclass
class WLSDiff:
    """``delta_chisq`` (T_delta), ``delta_df``, ``p_value`` and the pieces lavaan computes
    (``trace_ugamma``, ``trace_ugamma2``, ``a``, ``b`` for scaled.shifted, ``scaling_factor`` cd for the
    mean-and-variance adjusted version; NaN where not used)."""

    delta_chisq: float
    delta_df: float
    p_value: float
    trace_ugamma: float
    trace_ugamma2: float
    a: float
    b: float
    scaling_factor: float


def _parts(fit):
    """(per-group Jacobians, E^-1, per-group stats, f_g) of a WLSMV SEMResult at its estimates."""
    eng = getattr(fit, "_engine", None)
    if eng is None or getattr(fit, "estimator", None) != "WLSMV":
        raise EngageSurveyError("the scaled difference test needs two WLSMV fits (cfa(..., ordered=...))")
    st = eng.groups
    N = sum(s.n for s in st)
    fg = np.array([s.n / N for s in st])
    _, E_inv, Js, _ = robust_parts(eng.model, eng.x, st, fg, len(st))
    return Js, E_inv, st, fg


def _row_complement(H: np.ndarray) -> np.ndarray:
    """Rows spanning the orthogonal complement of the column space of ``H`` (lavaan's
    ``t(lav_matrix_orthogonal_complement(H))``; the test does not depend on the basis chosen)."""
    U, s, _ = np.linalg.svd(H, full_matrices=True)
    tol = max(H.shape) * np.finfo(float).eps * (s[0] if len(s) else 0.0)
    rank = int(np.sum(s > tol))
    return U[:, rank:].T


def wlsmv_difference(fit0, fit1, *, scaled_shifted: bool = True) -> WLSDiff:
    """Scaled difference test of the more restricted WLSMV fit ``fit0`` against ``fit1``.

    As ``lavTestLRT(fit1, fit0)`` (method "satorra.2000"; ``scaled.shifted`` as lavaan's argument of the
    same name, default True). Both fits must use the same data and groups. See the module docstring.
    """
    T0, df0 = fit0.fit_measures["chisq"], fit0.fit_measures["df"]
    T1, df1 = fit1.fit_measures["chisq"], fit1.fit_measures["df"]
    m = df0 - df1
    if m < 0:
        raise EngageSurveyError(f"fit0 has fewer degrees of freedom ({df0:g}) than fit1 ({df1:g}); give the "
                                "more restricted model first")
    nan = float("nan")
    if m == 0:
        return WLSDiff(float(T0 - T1), 0.0, nan, nan, nan, nan, nan, nan)
    J1, P_inv, st1, fg = _parts(fit1)
    J0, _, st0, _ = _parts(fit0)
    if [s.n for s in st0] != [s.n for s in st1] or any(len(a.obs) != len(b.obs) for a, b in zip(st0, st1)):
        raise EngageSurveyError("the two fits do not use the same data and groups")
    D1, D0 = np.vstack(J1), np.vstack(J0)
    A = _row_complement(np.linalg.pinv(D1) @ D0)
    PA = P_inv @ A.T
    PAAPAAP = PA @ np.linalg.pinv(A @ PA) @ PA.T
    V = np.concatenate([s.wls_vd for s in st1])
    Gam = block_diag(*[fg[g] * s.gamma for g, s in enumerate(st1)])
    VD = V[:, None] * D1
    U = VD @ PAAPAAP @ VD.T
    UG = U @ Gam
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    if scaled_shifted:
        a = np.sqrt(m / tr2)
        b = m - a * tr1
        T, df, cd = (T0 - T1) * a + b, m, nan
    else:
        cd = tr2 / tr1
        T, df, a, b = (T0 - T1) / cd, tr1 ** 2 / tr2, nan, nan
    p = float(sstats.chi2.sf(T, df))
    return WLSDiff(float(T), float(df), p, tr1, tr2, float(a), float(b), float(cd))
