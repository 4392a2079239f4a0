"""Qualtrics CSV/XLSX exports: modern (3 header rows), "Insights" transitional and legacy (2 rows).

* modern: row 1 export tags (``Q1``, ``Q2_1``), row 2 question text, row 3 JSON ``{"ImportId":"QID1"}``;
* Insights (2016): as modern, but row 3 is a Python dict ``{'ImportId': 'QID4-1-1'}``;
* legacy: row 1 ``V1..V10`` then export tags, row 2 the labels (``ResponseID``, ..., question text).

Header rows are dropped. Column names are the export tags (for legacy ``V1..V10`` the row 2 names);
the question text and ImportId are extra names for finding items. Values may be numeric (recode values)
or choice text. The respondent id is ``ResponseId``/``ResponseID``; completion time is
``Duration (in seconds)`` or else ``EndDate - StartDate``.
"""

from __future__ import annotations

import ast
import json
import re

from ._layout import (
    Layout, cell_text, derived_keys, duration_between, duration_from_column, unique_names,
)

_IMPORT = re.compile(r"^\{\s*[\"']ImportId[\"']\s*:")


def _row(grid, k):
    return [cell_text(v) for v in grid[k]] if len(grid) > k else []


def kind(grid) -> str | None:
    """'modern', 'insights', 'legacy' or None."""
    r3 = _row(grid, 2)
    if r3 and sum(bool(_IMPORT.match(c)) for c in r3) >= max(1, len([c for c in r3 if c]) // 2):
        return "modern" if any('"ImportId"' in c for c in r3) else "insights"
    r1, r2 = _row(grid, 0), _row(grid, 1)
    if len(r1) >= 10 and r1[:3] == ["V1", "V2", "V3"] and r2 and r2[0] in ("ResponseID", "ResponseId"):
        return "legacy"
    return None


def looks_like(grid) -> bool:
    return kind(grid) is not None


def _import_id(text: str) -> str:
    if not text:
        return ""
    try:
        obj = json.loads(text)
    except ValueError:
        try:
            obj = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return ""
    if isinstance(obj, dict):
        return str(obj.get("ImportId", ""))
    return ""


def layout(grid, fmt_name: str = "qualtrics") -> Layout | None:
    k = kind(grid)
    if k is None:
        return None
    log: list = []
    r1, r2 = _row(grid, 0), _row(grid, 1)
    width = max(len(r1), len(r2))
    r1, r2 = r1 + [""] * (width - len(r1)), r2 + [""] * (width - len(r2))
    if k == "legacy":
        headings = [b if re.fullmatch(r"V\d+", a) and b else a for a, b in zip(r1, r2)]
        extra = [[b] for b in r2]
        n_header = 2
    else:
        r3 = _row(grid, 2)
        r3 = r3 + [""] * (width - len(r3))
        headings = r1
        extra = [[b, _import_id(c)] for b, c in zip(r2, r3)]
        n_header = 3
    names = unique_names(headings, log)
    keys = []
    for h, ex in zip(headings, extra):
        ks = derived_keys(h)
        for e in ex:
            if e and e != h:
                ks.append(e)
                if re.fullmatch(r"QID[\w#\-]+", e):
                    ks.append(e.replace("-", "_"))
        keys.append(ks)
    return Layout(
        format=fmt_name, names=names, headings=headings, keys=keys, n_header=n_header, log=log,
        id_candidates=("ResponseId", "ResponseID", "_recordId"),
        duration=duration_between(("StartDate",), ("EndDate",),
                                  fallback=duration_from_column(("Duration (in seconds)",))),
    )
