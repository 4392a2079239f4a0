"""Input checks and design matrices shared by the model functions (validate once at the boundary)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import EngageSurveyError


def check_frame(data, what: str = "data") -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise EngageSurveyError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    return data


def as_list(cols) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


def check_int(name: str, value, lo: int) -> int:
    """``value`` as an int >= ``lo`` (booleans and floats refused), or a one-line error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise EngageSurveyError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


def check_level(value, name: str = "ci") -> float:
    """A confidence level strictly between 0 and 1, or a one-line error."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 < value < 1:
        raise EngageSurveyError(f"{name} must be a level in (0, 1) such as 0.95, got {value!r}")
    return float(value)


def check_columns(data: pd.DataFrame, cols: Sequence[str], what: str = "column") -> None:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise EngageSurveyError(f"unknown {what}: {', '.join(map(repr, missing))} (not a column of the data)")


def numeric_frame(data, cols: Sequence[str], *, min_rows: int = 3, constant_ok=(), extra=()) -> pd.DataFrame:
    """``data[cols]`` as floats after listwise deletion, with clear errors.

    ``extra`` columns (e.g. a cluster id) are kept as they are and take part in the listwise deletion.
    Raises for unknown, non-numeric and constant columns and for fewer than ``min_rows`` complete rows.
    """
    data = check_frame(data)
    cols = list(dict.fromkeys(cols))
    extra = [c for c in dict.fromkeys(extra) if c not in cols]
    check_columns(data, cols + extra)
    out = {}
    for c in cols:
        s = data[c]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(float)
        elif not pd.api.types.is_numeric_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = s[conv.isna() & s.notna()]
            if len(bad):
                raise EngageSurveyError(
                    f"column {c!r} is not numeric (row {bad.index[0]!r}, value {bad.iloc[0]!r})")
            s = conv
        out[c] = s.astype(float)
    frame = pd.DataFrame(out, index=data.index)
    for c in extra:
        frame[c] = data[c]
    frame = frame.dropna()
    if len(frame) < min_rows:
        raise EngageSurveyError(
            f"too few complete rows: {len(frame)} (need at least {min_rows}) in columns {', '.join(cols)}")
    for c in cols:
        if c in constant_ok:
            continue
        v = frame[c].to_numpy()
        if np.all(v == v[0]):
            raise EngageSurveyError(f"column {c!r} is constant (value {v[0]!r}) in the complete rows")
    return frame


_NAME_ERR = re.compile(r"name '([^']+)' is not defined")
_SIMPLE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*~\s*(1|[A-Za-z_][\w.]*(\s*\+\s*[A-Za-z_][\w.]*)*)\s*$")


def _simple_design(data, formula):
    """Fast path for ``y ~ a + b`` with numeric columns (same result as patsy, without its overhead)."""
    m = _SIMPLE.match(formula)
    if not m:
        return None
    lhs = m.group(1)
    rhs = [] if m.group(2).strip() == "1" else [t.strip() for t in m.group(2).split("+")]
    cols = [lhs, *dict.fromkeys(rhs)]
    if any(c not in data.columns for c in cols):
        return None
    sub = data[cols]
    if not all(pd.api.types.is_numeric_dtype(sub[c]) and not pd.api.types.is_bool_dtype(sub[c]) for c in cols):
        return None
    sub = sub.dropna().astype(float)
    X = pd.DataFrame({"Intercept": 1.0}, index=sub.index)
    for c in cols[1:]:
        X[c] = sub[c]
    return sub[lhs], X


def design(data, formula: str, *, min_rows: int | None = None):
    """Outcome Series and design DataFrame (patsy, R-like treatment contrasts, listwise deletion)."""
    import patsy

    data = check_frame(data)
    if not isinstance(formula, str) or "~" not in formula:
        raise EngageSurveyError(f"formula must be a string like 'y ~ x1 + x2', got {formula!r}")
    lhs = formula.split("~", 1)[0].strip()
    if lhs in data.columns and not pd.api.types.is_numeric_dtype(data[lhs]) \
            and not pd.api.types.is_bool_dtype(data[lhs]):
        raise EngageSurveyError(f"outcome column {lhs!r} is not numeric")
    fast = _simple_design(data, formula)
    if fast is not None:
        y, X = fast
        return _check_design(formula, y, X, min_rows)
    # a data column named "C" (or "I") would shadow patsy's C() / I(): route those calls to aliases
    shadow = {nm: f"_patsy_{nm}_" for nm in ("C", "I", "Q") if nm in data.columns}
    expr = formula
    for nm, alias in shadow.items():
        expr = re.sub(rf"\b{nm}\(", f"{alias}(", expr)
    env = patsy.EvalEnvironment.capture(0).with_outer_namespace(
        {alias: getattr(patsy.builtins, nm) for nm, alias in shadow.items()} | {"np": np})
    try:
        y, X = patsy.dmatrices(expr, data, return_type="dataframe", NA_action="drop", eval_env=env)
    except patsy.PatsyError as exc:
        msg = str(exc).splitlines()[0]
        m = _NAME_ERR.search(str(exc))
        if m:
            raise EngageSurveyError(f"formula {formula!r}: unknown column {m.group(1)!r}") from None
        raise EngageSurveyError(f"formula {formula!r}: {msg}") from None
    for nm, alias in shadow.items():
        X.columns = [c.replace(f"{alias}(", f"{nm}(") for c in X.columns]
    if y.shape[1] != 1:
        raise EngageSurveyError(f"formula {formula!r}: the outcome must be one numeric column")
    return _check_design(formula, y.iloc[:, 0], X, min_rows)


def _check_design(formula, y, X, min_rows):
    p = X.shape[1]
    need = p + 1 if min_rows is None else min_rows
    if len(X) < need:
        raise EngageSurveyError(f"formula {formula!r}: too few complete rows ({len(X)}) for {p} coefficients")
    Xv = X.to_numpy()
    for j, name in enumerate(X.columns):
        if name == "Intercept":
            continue
        col = Xv[:, j]
        if np.all(col == col[0]):
            raise EngageSurveyError(f"formula {formula!r}: predictor {name!r} is constant in the complete rows")
    if np.linalg.matrix_rank(Xv) < p:
        raise EngageSurveyError(f"formula {formula!r}: predictors are perfectly collinear")
    return y, X


def ols(X: np.ndarray, y: np.ndarray) -> dict:
    """Classical OLS: coefficients, residuals, (X'X)^-1, sigma^2 with n - p, vcov."""
    n, p = X.shape
    q, r = np.linalg.qr(X)
    beta = np.linalg.solve(r, q.T @ y)
    resid = y - X @ beta
    rinv = np.linalg.inv(r)
    xtxi = rinv @ rinv.T
    df = n - p
    sigma2 = float(resid @ resid / df) if df > 0 else np.nan
    return {"beta": beta, "resid": resid, "xtxi": xtxi, "sigma2": sigma2, "vcov": xtxi * sigma2, "df": df,
            "n": n, "p": p}


def fmt_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """Text for summaries (display only; values in results are never rounded)."""
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        return frame.to_string(float_format=lambda v: f"{v:.{digits}f}")
