"""SurveyMonkey exports (CSV or XLSX, "all responses data").

Row 1 holds the question (left empty over the further columns of a multi-column question), row 2
``Response``, ``Open-Ended Response`` or the choice / row text. Both rows are dropped. A column's name is
the question, or ``question - choice`` for multi-column questions; the question and the choice text
are extra names for finding items. Respondent id: ``Respondent ID``; completion time:
``End Date - Start Date``. A file with a single header row and a ``Respondent ID`` column (a flattened
export) is read with its one header row.
"""

from __future__ import annotations

from ._layout import (
    Layout,
    cell_text,
    derived_keys,
    duration_between,
    generic_layout,
    unique_names,
)

META = ("Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
        "First Name", "Last Name", "Custom Data 1")
_PLAIN = ("Response", "Open-Ended Response", "")


def _rows(grid):
    r1 = [cell_text(v) for v in grid[0]]
    r2 = [cell_text(v) for v in grid[1]] if len(grid) > 1 else []
    return r1, r2 + [""] * (len(r1) - len(r2))


def looks_like(grid) -> bool:
    r1, _ = _rows(grid)
    return "Respondent ID" in r1


def two_header_rows(grid) -> bool:
    r1, r2 = _rows(grid)
    if "Respondent ID" not in r1 or len(grid) < 2:
        return False
    j = r1.index("Respondent ID")
    return r2[j] == "" and any(c in ("Response", "Open-Ended Response") for c in r2)


def layout(grid) -> Layout:
    r1, r2 = _rows(grid)
    log: list = []
    dur = duration_between(("Start Date",), ("End Date",))
    ids = ("Respondent ID",)
    if not two_header_rows(grid):
        return generic_layout(grid, "surveymonkey", id_candidates=ids, duration=dur)
    headings, keys, question = [], [], ""
    for q, sub in zip(r1, r2):
        if q:
            question = q
        if sub in _PLAIN:
            head = question
            ks = derived_keys(question)
        else:
            head = f"{question} - {sub}"
            ks = [sub, *derived_keys(sub)]
        headings.append(head)
        keys.append(ks)
    names = unique_names(headings, log)
    return Layout(format="surveymonkey", names=names, headings=headings, keys=keys, n_header=2,
                  log=log, id_candidates=ids, duration=dur)
