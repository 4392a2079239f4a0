"""Input validation shared by the statistics modules (validate once at the boundary, then trust)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import EngageSurveyError


def check_finite(X: np.ndarray, columns, index, what: str = "items") -> None:
    """Raise naming the column, row and value of the first infinite cell of ``X`` (one vectorised pass)."""
    inf = np.isinf(X)
    if inf.any():
        i, j = np.argwhere(inf)[0]
        row = index[i].item() if isinstance(index[i], np.generic) else index[i]
        raise EngageSurveyError(f"{what}: column {columns[j]!r} has an infinite value (row {row!r}, "
                                f"value {float(X[i, j])!r})")


def _check_rows(n_rows: int, what: str) -> None:
    if n_rows == 0:
        raise EngageSurveyError(f"{what} have no rows (0 respondents)")


def _scale_range(scale) -> tuple[float, float]:
    """``scale`` as a (min, max) pair of finite numbers with min < max, or a clear error."""
    ok = isinstance(scale, (tuple, list, np.ndarray)) and len(scale) == 2 and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        and np.isfinite(v) for v in scale)
    if not ok or not scale[0] < scale[1]:
        raise EngageSurveyError(f"scale must be a (min, max) pair of numbers with min < max, got {scale!r}")
    return float(scale[0]), float(scale[1])


def numeric_frame(items, *, min_items: int = 2, what: str = "items") -> pd.DataFrame:
    """``items`` as a float DataFrame (index kept), or a clear error.

    Accepts a DataFrame or a 2-D array (columns named ``V1..Vk``). Rejects fewer than ``min_items``
    columns, non-numeric (or boolean) columns and infinite cells, naming the column, a row and its bad
    value.
    """
    if isinstance(items, np.ndarray):
        if items.ndim != 2:
            raise EngageSurveyError(f"{what} must be a 2-D table, got an array of shape {items.shape}")
        items = pd.DataFrame(items, columns=[f"V{i + 1}" for i in range(items.shape[1])])
    if not isinstance(items, pd.DataFrame):
        raise EngageSurveyError(f"{what} must be a pandas DataFrame, got {type(items).__name__}")
    if items.shape[1] < min_items:
        raise EngageSurveyError(f"{what} need at least {min_items} columns, got {items.shape[1]}")
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in items.dtypes):
        out = items.astype(float)  # already numeric: no column-by-column copy (copy-on-write)
        check_finite(out.to_numpy(), out.columns, out.index, what)
        return out
    out = {}
    for col in items.columns:
        s = items[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = s[conv.isna() & s.notna()]
            if len(bad) or pd.api.types.is_bool_dtype(s):
                row = bad.index[0] if len(bad) else s.index[0]
                value = bad.iloc[0] if len(bad) else s.iloc[0]
                raise EngageSurveyError(f"column {col!r} is not numeric (row {row!r}, value {value!r})")
            s = conv
        out[col] = s.astype(float)
    frame = pd.DataFrame(out, index=items.index)
    check_finite(frame.to_numpy(), frame.columns, frame.index, what)
    return frame


def item_frame(items, *, min_items: int = 2, what: str = "items") -> pd.DataFrame:
    """Like :func:`numeric_frame`, and also rejects 0 rows and columns with no variance (constant or empty)."""
    frame = numeric_frame(items, min_items=min_items, what=what)
    _check_rows(len(frame), what)
    sd = frame.std(skipna=True)
    const = [str(c) for c in frame.columns if not np.isfinite(sd[c]) or sd[c] == 0]
    if const:
        raise EngageSurveyError(f"{what} with no variance (constant or empty): {', '.join(const)}")
    return frame


def reverse_items(frame: pd.DataFrame, reverse: Iterable[str] = (), scale=None) -> pd.DataFrame:
    """Reverse-key the named columns as min + max - x (psych's convention).

    ``scale=(min, max)`` gives the response range; otherwise min and max are taken over all cells of
    ``frame`` (as ``psych::alpha`` and ``psych::scoreItems`` do); anything else than a pair of numbers
    with min < max is rejected.
    """
    reverse = list(reverse or ())
    if not reverse:
        return frame
    unknown = [r for r in reverse if r not in frame.columns]
    if unknown:
        raise EngageSurveyError(f"reverse names items that are not columns: {', '.join(map(str, unknown))}")
    if scale is None:
        lo, hi = np.nanmin(frame.to_numpy()), np.nanmax(frame.to_numpy())
    else:
        lo, hi = _scale_range(scale)
    out = frame.copy()
    out[reverse] = lo + hi - out[reverse]
    return out


def item_array(items, *, min_items: int = 2, what: str = "items") -> tuple[list, np.ndarray]:
    """Fast path of :func:`item_frame` for hot loops: ``(column names, float ndarray)``.

    A DataFrame that converts with one ``to_numpy(float)`` skips the per-column checks; anything else
    goes through :func:`item_frame`. Same checks and messages as :func:`item_frame`.
    """
    X = None
    if isinstance(items, pd.DataFrame) and items.shape[1] >= min_items:
        try:
            X = items.to_numpy(dtype=float, na_value=np.nan)  # usually column-major: fast column reductions
        except (TypeError, ValueError):
            X = None
    if X is None:
        frame = item_frame(items, min_items=min_items, what=what)
        return list(frame.columns), frame.to_numpy(dtype=float)
    _check_rows(X.shape[0], what)
    check_finite(X, items.columns, items.index, what)
    n_obs = np.ones(X.shape[0]) @ (~np.isnan(X)).astype(float)
    flat = np.fmax.reduce(X, axis=0) == np.fmin.reduce(X, axis=0)  # NaN-ignoring; all-NaN -> n_obs < 2
    bad = (n_obs < 2) | flat
    if bad.any():
        const = [str(c) for c, b in zip(items.columns, bad) if b]
        raise EngageSurveyError(f"{what} with no variance (constant or empty): {', '.join(const)}")
    return list(items.columns), X


def reverse_array(X: np.ndarray, names: list, reverse: Iterable[str] = (), scale=None) -> np.ndarray:
    """:func:`reverse_items` for an array with column ``names`` (returns a new array)."""
    reverse = list(reverse or ())
    if not reverse:
        return X
    unknown = [r for r in reverse if r not in names]
    if unknown:
        raise EngageSurveyError(f"reverse names items that are not columns: {', '.join(map(str, unknown))}")
    lo, hi = (np.nanmin(X), np.nanmax(X)) if scale is None else _scale_range(scale)
    cols = [names.index(r) for r in reverse]
    out = X.copy()
    out[:, cols] = lo + hi - out[:, cols]
    return out
