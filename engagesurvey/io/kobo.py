"""KoboToolbox and ODK exports (CSV, often ``;``-separated, or XLSX).

Headings are question names or group paths: ``group_x/q1`` (Kobo), ``group_x.q1`` (Kobo form-builder
XLSX), ``group_x-q1`` (ODK Central CSV). Items are found by the last path segment. Values are the XML
choice names (``likely``), matched to an option by its aliases, labels or code text. Meta columns
``_uuid`` (respondent id), ``_submission_time``, ``_index``; completion time is ``end - start``.
"""

from __future__ import annotations

import re

from ._layout import Layout, cell_text, duration_between, generic_layout

META = ("_uuid", "_submission_time", "_index", "_id", "meta/instanceID", "meta-instanceID",
        "_validation_status", "__version__", "KEY", "SubmissionDate")
_GROUP = re.compile(r"^group_\w+[./\-]\S+$")


def looks_like(grid) -> bool:
    heads = [cell_text(v) for v in grid[0]]
    if any(h in META for h in heads):
        return True
    filled = [h for h in heads if h]
    return bool(filled) and sum(bool(_GROUP.match(h)) for h in filled) >= max(1, len(filled) // 2)


def layout(grid) -> Layout:
    return generic_layout(
        grid, "kobo", dash_paths=True,
        id_candidates=("_uuid", "meta/instanceID", "meta-instanceID", "KEY", "_id", "_index"),
        duration=duration_between(("start",), ("end",)),
    )
