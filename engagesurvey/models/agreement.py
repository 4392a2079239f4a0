"""Within-group agreement and reliability of group means: rwg, rwg(j), ICC(1), ICC(2).

For group g with J items, S = the mean of the item variances (n - 1 denominator) within the group,
truncated at the null variance sigma_E^2 (as ``multilevel::rwg.j``):

    rwg(j) = J (1 - S / sigma_E^2) / (J (1 - S / sigma_E^2) + S / sigma_E^2)     (James, Demaree & Wolf 1984)

which is rwg = 1 - s^2 / sigma_E^2 for one item. The default null is the uniform over A response
options, sigma_E^2 = (A^2 - 1) / 12. From a one-way ANOVA of the scale score (the row mean of the items)
on the group (Bliese 2000):

    ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW),  k = N / G (the mean group size, as ``multilevel::ICC1``)
    ICC(2) = (MSB - MSW) / MSB

Rows missing an item or the group are dropped first (``na.exclude`` as in multilevel). Groups of one
get NaN for rwg. Checked against R ``multilevel::rwg.j``, ``rwg``, ``ICC1`` and ``ICC2``
(tests/reference/models_multilevel.R).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import EngageSurveyError
from ._data import as_list, check_columns, check_frame, numeric_frame


def _icc(score: np.ndarray, codes: np.ndarray, G: int) -> tuple[float, float]:
    N = len(score)
    cnt = np.bincount(codes, minlength=G)
    gmean = np.bincount(codes, weights=score, minlength=G) / cnt
    ssb = float(np.sum(cnt * (gmean - score.mean()) ** 2))
    ssw = float(np.sum((score - gmean[codes]) ** 2))
    if G < 2 or N <= G:
        return np.nan, np.nan
    msb, msw = ssb / (G - 1), ssw / (N - G)
    k = N / G
    icc1 = (msb - msw) / (msb + (k - 1) * msw)
    icc2 = (msb - msw) / msb if msb > 0 else np.nan
    return float(icc1), float(icc2)


def icc(data, value, group) -> tuple[float, float]:
    """(ICC(1), ICC(2)) of ``value`` (a column, or items averaged per row) across ``group``."""
    res = group_agreement(data, value, group, null_var=1.0)
    return float(res["icc1"].iloc[0]), float(res["icc2"].iloc[0])


def group_agreement(data, value, group, *, scale=None, null_var=None) -> pd.DataFrame:
    """Agreement (rwg / rwg(j)) per group and ICC(1) / ICC(2) for aggregating to the group level.

    Parameters
    ----------
    data : DataFrame
    value : str or list of str
        One column (rwg) or several item columns (rwg(j), ICCs on their row mean).
    group : str
        Column of group ids.
    scale : (min, max), optional
        Response codes; the number of options is A = max - min + 1. Default: the observed min and max
        over all item cells.
    null_var : float, optional
        Expected variance under no agreement; default the uniform (A^2 - 1) / 12 (``ranvar`` in R).

    Returns
    -------
    DataFrame
        One row per group (sorted): group n mean rwg_j icc1 icc2 (the ICCs are for the whole sample and
        repeat in every row).

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Journal of Applied Psychology, 69, 85-98.
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In Klein &
    Kozlowski (Eds.), Multilevel theory, research, and methods in organizations.
    """
    data = check_frame(data)
    items = as_list(value)
    if not items:
        raise EngageSurveyError("value must name at least one column")
    if not isinstance(group, str):
        raise EngageSurveyError(f"group must be one column name, got {group!r}")
    check_columns(data, [group], "group column")
    if group in items:
        raise EngageSurveyError(f"column {group!r} is both the group and a value")
    frame = numeric_frame(data, items, min_rows=2, extra=[group], constant_ok=items)
    codes, uniq = pd.factorize(frame[group], sort=True)
    G = len(uniq)
    if G < 2:
        raise EngageSurveyError(f"group column {group!r} has {G} group(s) in the complete rows; need at least 2")
    X = frame[items].to_numpy(float)
    if null_var is None:
        lo, hi = (np.nanmin(X), np.nanmax(X)) if scale is None else scale
        if not hi > lo:
            raise EngageSurveyError(f"scale must be (min, max) with max > min, got {(lo, hi)!r}")
        A = hi - lo + 1
        null_var = (A**2 - 1) / 12
        if scale is not None and (X.min() < lo or X.max() > hi):
            warnings.warn(f"values fall outside scale={scale!r}; rwg may be misleading", stacklevel=2)
    if not np.isfinite(null_var) or null_var <= 0:
        raise EngageSurveyError(f"null_var must be a positive number, got {null_var!r}")
    J = X.shape[1]
    cnt = np.bincount(codes, minlength=G).astype(float)
    sums = np.stack([np.bincount(codes, weights=X[:, j], minlength=G) for j in range(J)], axis=1)
    means = sums / cnt[:, None]
    dev = X - means[codes]
    ss = np.stack([np.bincount(codes, weights=dev[:, j] ** 2, minlength=G) for j in range(J)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = ss / (cnt[:, None] - 1)
        S = np.minimum(var.mean(axis=1), null_var)
        ratio = S / null_var
        rwg = J * (1 - ratio) / (J * (1 - ratio) + ratio)
    rwg = np.where(cnt > 1, rwg, np.nan)
    score = X.mean(axis=1)
    i1, i2 = _icc(score, codes, G)
    return pd.DataFrame({"group": uniq, "n": cnt.astype(int), "mean": means.mean(axis=1), "rwg_j": rwg,
                         "icc1": i1, "icc2": i2})
