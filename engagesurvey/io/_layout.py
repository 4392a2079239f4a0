"""How a grid of cells (header rows + data rows) becomes named columns: the layout of an export.

Each platform module turns the first rows of a grid into a :class:`Layout`: unique column names, the
original headings, extra names per column used to find items (question text rows, ImportIds, the
``[Row]`` of a grid question, the last segment of a group path), how many header rows to drop, the
candidate respondent-id columns and how to get the completion time in seconds.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..instrument import normalise_label

GENERIC_IDS = (
    "ResponseId", "ResponseID", "response_id", "respondent_id", "Respondent ID", "record_id", "_uuid",
    "uuid", "id", "ID", "Response ID", "participant_id", "participant", "respondent",
)
GENERIC_DURATIONS = ("duration_seconds", "Duration (in seconds)", "duration", "interviewtime", "Total time")


@dataclass
class Layout:
    format: str
    names: list
    headings: list
    keys: list
    n_header: int = 1
    id_candidates: tuple = GENERIC_IDS
    duration: object = None  # callable(frame) -> (Series of seconds, source column name) or None
    choices: dict = field(default_factory=dict)  # column -> {normalised label: code}
    value_labels: dict = field(default_factory=dict)
    log: list = field(default_factory=list)
    id_unique_with: tuple = ()  # columns that together with the id identify a row (REDCap events)


def cell_text(v) -> str:
    """A header cell as text ('' for empty)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def unique_names(headings: list, log: list) -> list:
    """Column names: headings made unique (``name``, ``name.1``, ...); empty headings -> ``column_N``."""
    names, seen = [], set()
    for j, h in enumerate(headings):
        base = h if h != "" else f"column_{j + 1}"
        name, k = base, 0
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        if name != h:
            why = "empty heading" if h == "" else f"duplicate heading {h!r}"
            log.append({"row": np.nan, "column": name, "value": h, "event": "renamed_column",
                        "message": f"{why}: column {j + 1} named {name!r}"})
        seen.add(name)
        names.append(name)
    return names


_BRACKET = re.compile(r"^(?P<q>.*?)\s*\[(?P<sq>[^\[\]]+)\]\s*$")
_CODE_BRACKET = re.compile(r"^(?P<q>[A-Za-z][\w]*)\[(?P<sq>[\w.\-]+)\](?:\[(?P<sq2>[\w.\-]+)\])?$")
_LIME_CODE_TEXT = re.compile(r"^(?P<code>[A-Za-z][\w]*(?:\[[\w.\-]*\])*)\.\s+(?P<text>.*)$", re.S)
_PATH = re.compile(r"^[^\s/]+(?:/[^\s/]+)+$")
_DOTTED = re.compile(r"^[A-Za-z_][\w\-]*(?:\.[A-Za-z_][\w\-]*)+$")


def derived_keys(heading: str, *, dash_paths: bool = False) -> list:
    """Other names a heading may carry for an item (see docs/importing.md)."""
    keys: list = []
    h = heading.strip()
    m = _LIME_CODE_TEXT.match(h)
    if m:  # LimeSurvey "code. text" headings: likert1[perfCheck1]. [Do you ...]
        keys.append(m.group("code"))
        keys.extend(derived_keys(m.group("code")))
        text = m.group("text").strip()
        keys.append(text)
        inner = re.match(r"^\[(.*)\]$", text, re.S)
        if inner and inner.group(1).strip():
            keys.append(inner.group(1).strip())
        return _dedupe(keys)
    m = _CODE_BRACKET.match(h)
    if m:  # LimeSurvey code headings Q1[SQ001] (and dual-scale Q1[SQ001][1])
        parts = [m.group("q"), m.group("sq")] + ([m.group("sq2")] if m.group("sq2") else [])
        keys.append("_".join(parts))
        keys.append(m.group("sq") if not m.group("sq2") else f"{m.group('sq')}_{m.group('sq2')}")
        return _dedupe(keys)
    m = _BRACKET.match(h)
    if m and m.group("q"):  # Google Forms grids / LimeSurvey full text: "Question [Row]"
        keys.append(m.group("sq").strip())
    if _PATH.match(h):
        keys.append(h.rsplit("/", 1)[1])
    elif _DOTTED.match(h) and not re.search(r"\.\d+$", h):
        keys.append(h.rsplit(".", 1)[1])
    elif dash_paths and re.match(r"^[A-Za-z_][\w]*(?:-[A-Za-z_][\w]*)+$", h):
        keys.append(h.rsplit("-", 1)[1])
    return _dedupe(keys)


def _dedupe(keys):
    out, seen = [], set()
    for k in keys:
        if k and k not in seen:
            seen.add(k)
            out.append(k)
    return out


def generic_layout(grid: list, fmt: str = "csv", *, dash_paths: bool = False, **kw) -> Layout:
    """One header row; headings give the names."""
    log: list = []
    headings = [cell_text(v) for v in grid[0]]
    names = unique_names(headings, log)
    keys = [derived_keys(h, dash_paths=dash_paths) for h in headings]
    kw.setdefault("duration", duration_from_column(GENERIC_DURATIONS))
    return Layout(format=fmt, names=names, headings=headings, keys=keys, n_header=1, log=log, **kw)


def find_column(frame: pd.DataFrame, candidates) -> str | None:
    """The first candidate present in ``frame`` (exact, then ignoring case and spaces)."""
    cols = list(frame.columns)
    for c in candidates:
        if c in cols:
            return c
    norm = {normalise_label(c): c for c in reversed(cols)}
    for c in candidates:
        if normalise_label(c) in norm:
            return norm[normalise_label(c)]
    return None


def duration_from_column(candidates):
    """A duration getter reading seconds from the first candidate column present."""

    def get(frame):
        col = find_column(frame, candidates)
        if col is None:
            return None
        return to_number(frame[col]), col

    return get


def duration_between(start_candidates, end_candidates, *, fallback=None):
    """A duration getter: seconds from a start time column to an end time column."""

    def get(frame):
        if fallback is not None:
            got = fallback(frame)
            if got is not None:
                return got
        a, b = find_column(frame, start_candidates), find_column(frame, end_candidates)
        if a is None or b is None:
            return None
        sec = (to_datetime(frame[b]) - to_datetime(frame[a])).dt.total_seconds()
        return sec.astype(float), f"{a} -> {b}"

    return get


def to_datetime(s: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(s, errors="coerce", format="mixed", utc=True)
        except (TypeError, ValueError):
            return pd.to_datetime(s.astype(str), errors="coerce", utc=True)


def to_number(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    text = s.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype(float)
