"""LimeSurvey response exports (CSV/TSV/XLSX; "question code", "full question text" or both).

Headings come as codes (``Q1[SQ001]``, ``Q1_SQ001``), as full text (``Question [Subquestion]``) or as
``code. text`` (``likert1[perfCheck1]. [Do you ...]``). Items are found by the full code, the code with
``_`` (``Q1_SQ001``), the subquestion code, or the subquestion text. Values are answer codes or answer
text; stray U+FEFF characters that LimeSurvey leaves inside labels are removed. The respondent id is
``id`` (``Response ID`` in full-text exports); completion time ``interviewtime`` / ``Total time``.
"""

from __future__ import annotations

import re

from ._layout import Layout, cell_text, duration_from_column, generic_layout

META = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
        "response id", "date submitted", "last page", "start language", "date started",
        "date last action", "interviewtime", "total time"}
_CODE = re.compile(r"^[A-Za-z][\w]*(\[[\w.\-]*\])+(\.\s.*)?$", re.S)


def looks_like(grid) -> bool:
    heads = [cell_text(v) for v in grid[0]]
    low = {h.casefold() for h in heads}
    if len(low & META) >= 3:
        return True
    filled = [h for h in heads if h]
    return bool(filled) and sum(bool(_CODE.match(h)) for h in filled) >= max(2, len(filled) // 3)


def is_structure(grid) -> bool:
    """A LimeSurvey tab-separated survey structure (``id related_id class type/scale name ...``)."""
    heads = [cell_text(v) for v in grid[0][:5]]
    return heads == ["id", "related_id", "class", "type/scale", "name"]


def layout(grid) -> Layout:
    return generic_layout(
        grid, "limesurvey", id_candidates=("id", "Response ID"),
        duration=duration_from_column(("interviewtime", "Total time")),
    )
