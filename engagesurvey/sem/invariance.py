"""Measurement invariance: configural, metric, scalar and strict models with difference tests.

Each level adds equality constraints across groups (``group_equal``): metric = loadings, scalar =
+ intercepts, strict = + residual variances. Successive models are compared as ``lavaan::lavTestLRT``
(lavaan 0.6-14): the chi-square difference for ML, and for MLR the scaled difference of Satorra &
Bentler (2001), ``T = (T0 - T1) / cd`` with ``cd = (df0 c0 - df1 c1) / (df0 - df1)`` computed from the
unscaled statistics ``T`` and scaling factors ``c``. The verdict uses Chen's (2007) cut-offs:
invariance holds at a level when delta CFI >= -.01 and delta RMSEA <= .015 (robust CFI/RMSEA for MLR).

Ordered indicators (``estimator="WLSMV"`` / ``ordered=...``, delta parameterization): the sequence is
configural and "scalar" = ``group.equal = c("thresholds", "loadings")`` (thresholds and loadings are
constrained together, as lavaan users run it; Wu & Estabrook 2016). lavaan's further ``+ "intercepts"``
and ``+ "residuals"`` leave a delta-parameterized model unchanged (intercepts are fixed to 0 and residual
variances are not parameters but ``1 - diag(common part)``: same fit, 0 df), so "strict" is not testable
there and, like "metric" (loadings alone), raises an error. Successive WLSMV models are compared by
lavTestLRT's ``satorra.2000`` scaled-shifted difference test (:mod:`.wls_diff`) and the deltas use the
scaled CFI/RMSEA (lavaan 0.6-14 reports the robust ones as NA once scale factors are free).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EngageSurveyError
from .estimate import fit_model
from .result import InvarianceResult
from .wls_diff import wlsmv_difference

LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
ORDERED_LEVELS = {"configural": (), "scalar": ("thresholds", "loadings")}
_NOT_ORDERED = {
    "metric": "loadings alone are not a level for ordered indicators: thresholds and loadings are "
              "constrained together (Wu & Estabrook 2016)",
    "strict": "residual variances are not free parameters under the delta parameterization, so equal "
              "residuals leave the model unchanged (lavaan: same fit, 0 df)",
}


def lrt_difference(fm0: dict, fm1: dict, scaled: bool) -> tuple[float, float, float]:
    """(delta chisq, delta df, p) between a more constrained model 0 and a less constrained model 1."""
    d_df = fm0["df"] - fm1["df"]
    d_chi = fm0["chisq"] - fm1["chisq"]
    if scaled:
        c0, c1 = fm0["chisq_scaling_factor"], fm1["chisq_scaling_factor"]
        cd = (fm0["df"] * c0 - fm1["df"] * c1) / d_df
        d_chi = d_chi / cd
    p = float(stats.chi2.sf(d_chi, d_df)) if d_df > 0 else np.nan
    return float(d_chi), float(d_df), p


def _check_groups(data, group) -> None:
    """Raise unless ``group`` names a column of ``data`` (or the Moments' groups) with >= 2 groups."""
    if group is None or group is False:
        raise EngageSurveyError("invariance needs group: the column whose groups are compared")
    if isinstance(data, pd.DataFrame):
        if group not in data.columns:
            raise EngageSurveyError(f"group column {group!r} is not a column of the data")
        values = pd.unique(data[group].dropna())
    else:  # a Moments object: its groups, or the listed ones
        values = list(group) if isinstance(group, (list, tuple)) else list(getattr(data, "groups", None) or {})
    if len(values) < 2:
        raise EngageSurveyError(f"invariance needs at least 2 groups, but group column {group!r} has "
                                f"{len(values)} distinct non-missing value(s)"
                                + (f": {values[0]!r}" if len(values) else ""))


def invariance(model: str, data, group: str, *, levels=None, estimator="ML", ordered=None,
               missing="listwise", cfi_cut: float = -0.01, rmsea_cut: float = 0.015) -> InvarianceResult:
    """Fit the invariance sequence and compare each level with the one before (``lavTestLRT``).

    Returns an :class:`InvarianceResult` whose ``table`` is indexed by level with columns chisq df cfi
    tli rmsea srmr delta_chisq delta_df p_value delta_cfi delta_rmsea verdict (and chisq_scaled
    cfi_robust rmsea_robust for MLR, where the deltas use the robust indices). ``levels=None`` runs the
    whole sequence: configural, metric, scalar, strict (ML/MLR); configural, scalar (WLSMV).

    With ``ordered`` (True or the ordered columns; ``estimator`` "ML" is then taken to mean lavaan's
    default WLSMV, as in :func:`cfa`) or ``estimator="WLSMV"``: levels configural and scalar (thresholds +
    loadings), ``delta_chisq`` from lavTestLRT's scaled-shifted ``satorra.2000`` test, extra columns
    chisq_scaled cfi_scaled tli_scaled rmsea_scaled cfi_robust rmsea_robust (NaN where lavaan reports NA),
    deltas from the scaled CFI/RMSEA. Checked against ``lavaan::cfa(..., group, group.equal)`` and
    ``lavTestLRT`` (lavaan 0.6-14). A group column with fewer than 2 distinct non-missing values is an
    error (there is nothing to compare).
    """
    if group is True:  # a Moments object carries its own group column
        group = getattr(data, "group", None) or group
    est = str(estimator).upper()
    is_ordered = ordered is not None and ordered is not False and not (
        isinstance(ordered, (list, tuple)) and len(ordered) == 0)
    if is_ordered and est == "ML":
        est = "WLSMV"
    table_of = ORDERED_LEVELS if est == "WLSMV" else LEVELS
    levels = list(table_of if levels is None else levels)
    for lv in levels:
        if est == "WLSMV" and lv in _NOT_ORDERED:
            raise EngageSurveyError(f"invariance level {lv!r} is not available with WLSMV: {_NOT_ORDERED[lv]}; "
                                    f"use levels={tuple(ORDERED_LEVELS)}")
        if lv not in table_of:
            raise EngageSurveyError(f"unknown invariance level {lv!r}; use {', '.join(table_of)}")
    if len(levels) == 0:
        raise EngageSurveyError("levels is empty")
    _check_groups(data, group)
    scaled = est == "MLR"
    wls = est == "WLSMV"
    fits = {lv: fit_model(model, data, estimator=est, ordered=ordered if wls else None, group=group,
                          group_equal=table_of[lv], missing=missing, kind="cfa") for lv in levels}
    cfi_key, rmsea_key = {"MLR": ("cfi_robust", "rmsea_robust"),
                          "WLSMV": ("cfi_scaled", "rmsea_scaled")}.get(est, ("cfi", "rmsea"))
    rows = []
    prev = None
    for lv in levels:
        fm = fits[lv].fit_measures
        row = dict(level=lv, chisq=fm["chisq"], df=fm["df"], cfi=fm["cfi"], tli=fm["tli"], rmsea=fm["rmsea"],
                   srmr=fm["srmr"])
        if scaled:
            row.update(chisq_scaled=fm["chisq_scaled"], cfi_robust=fm["cfi_robust"],
                       rmsea_robust=fm["rmsea_robust"])
        if wls:
            row.update({k: fm[k] for k in ("chisq_scaled", "cfi_scaled", "tli_scaled", "rmsea_scaled",
                                           "cfi_robust", "rmsea_robust")})
        if prev is None:
            row.update(delta_chisq=np.nan, delta_df=np.nan, p_value=np.nan, delta_cfi=np.nan, delta_rmsea=np.nan,
                       verdict="baseline")
        else:
            pfm = fits[prev].fit_measures
            if wls:
                diff = wlsmv_difference(fits[lv], fits[prev])
                d_chi, d_df, p = diff.delta_chisq, diff.delta_df, diff.p_value
            else:
                d_chi, d_df, p = lrt_difference(fm, pfm, scaled)
            d_cfi = fm[cfi_key] - pfm[cfi_key]
            d_rmsea = fm[rmsea_key] - pfm[rmsea_key]
            ok = d_cfi >= cfi_cut and d_rmsea <= rmsea_cut
            row.update(delta_chisq=d_chi, delta_df=d_df, p_value=p, delta_cfi=d_cfi, delta_rmsea=d_rmsea,
                       verdict="holds" if ok else "not supported")
        rows.append(row)
        prev = lv
    table = pd.DataFrame(rows).set_index("level")
    return InvarianceResult(table=table, fits=fits, estimator=est, group=group)
