"""SPSS ``.sav``/``.zsav`` and Stata ``.dta`` files via pyreadstat.

Codes are kept as stored; value labels are recorded (``Responses.value_labels``) and used to read an
answer whose code is not an option of the instrument but whose label is. User-defined missing values
(SPSS discrete values and ranges, Stata extended missing ``.a``-``.z``) become NaN, each one logged.
A missing string (stored by SPSS and Stata as ``""``) and a string of spaces become NaN, as an empty
cell of a CSV file does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError


def read_statfile(path: Path, name: str, kind: str):
    """(frame indexed 1..n, value labels {column: {code: label}}, log rows) of a .sav or .dta file."""
    import pyreadstat

    reader = pyreadstat.read_dta if kind == "stata" else pyreadstat.read_sav
    try:
        frame, meta = reader(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises ReadstatError/PyreadstatError with terse texts
        what = "Stata .dta" if kind == "stata" else "SPSS .sav"
        raise InputError(f"not a readable {what} file ({exc})", file=name) from None
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    for col in frame.columns:  # a missing string is stored as "" (or spaces)
        if pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].mask(frame[col].str.strip().eq(""))
    log: list[dict] = []
    labels = {c: dict(v) for c, v in (meta.variable_value_labels or {}).items()}

    def drop(col, mask, why):
        """Set the cells in ``mask`` to NaN, one log record each; the message is built once per
        distinct value (factorize) and indexed back to the rows, the records zipped from columns."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        s = frame[col]
        values = s[mask]
        where, uniq = pd.factorize(values)
        col_labels = labels.get(col, {})
        shown = [f"{v!r} ({col_labels[v]})" if col_labels.get(v) is not None else repr(v) for v in uniq.tolist()]
        messages = np.array([f"{why} {x} set to missing" for x in shown], dtype=object)[where]
        log.extend({"row": r, "column": col, "value": v, "event": "user_missing", "message": m}
                   for r, v, m in zip(frame.index[mask].tolist(), values.tolist(), messages.tolist()))
        frame[col] = s.where(~mask)

    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        if col not in frame.columns:
            continue
        s = frame[col]
        mask = np.zeros(len(s), dtype=bool)
        for rg in ranges:
            lo, hi = rg.get("lo"), rg.get("hi")
            if pd.api.types.is_numeric_dtype(s):
                vals = s.to_numpy(dtype=float)
                with np.errstate(invalid="ignore"):
                    mask |= (vals >= float(lo)) & (vals <= float(hi))
            else:
                mask |= (s.astype(object) == lo).to_numpy(dtype=bool)
        drop(col, mask, "SPSS user-missing value")
    for col, values in (getattr(meta, "missing_user_values", None) or {}).items():
        if col not in frame.columns or not values:
            continue
        s = frame[col].astype(object)
        mask = s.isin(list(values)).to_numpy(dtype=bool)
        drop(col, mask, "Stata extended missing value" if kind == "stata" else "user-missing value")
        if mask.any():
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame, labels, log
