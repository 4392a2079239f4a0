"""Safe spreadsheet output: neutralise formula injection in text cells.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by
Excel/LibreOffice/Sheets when a CSV or workbook is opened (OWASP "CSV injection"). Text cells that start
so get a leading apostrophe. Numbers are left alone (a negative number is not text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """One cell: text starting with a formula character is prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and the column names) neutralised; columns with nothing to
    change are kept as they are (no copy: pandas' copy-on-write keeps the input apart).

    Each text column is checked on its distinct values (``pd.factorize``), so a million rows of a few
    answer labels cost a few checks, and only the cells that need an apostrophe are rewritten.
    """
    out = frame.copy(deep=False)
    for j in range(out.shape[1]):
        s = out.iloc[:, j]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            if any(isinstance(c, str) and c.startswith(DANGEROUS) for c in s.cat.categories):
                out.isetitem(j, s.map(neutralise))  # maps the categories
            continue
        codes, uniq = pd.factorize(s)
        risky = np.array([isinstance(u, str) and u.startswith(DANGEROUS) for u in uniq] + [False])
        cells = risky[codes]  # codes of missing cells are -1: the appended False
        if cells.any():
            fixed = s.astype(object)
            fixed[cells] = "'" + fixed[cells]
            out.isetitem(j, fixed)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index.dtype):
        out.index = out.index.map(neutralise)
    return out
