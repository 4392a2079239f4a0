"""``read_responses``: a survey export in, a :class:`Responses` (item codes + audit log) out.

See ``docs/importing.md`` for the formats and the column/label mapping rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._results import ResultMixin
from ..errors import InputError
from ..instrument import Instrument, load_instrument
from . import detect, redcap
from ._layout import Layout, find_column
from .csvtext import read_text_grid
from .excel import read_excel_grid
from .mapping import _suggest, load_mapping, match_columns, resolve_values
from .spss import read_statfile

LOG_COLUMNS = ["row", "column", "value", "event", "message"]


@dataclass
class Responses(ResultMixin):
    """Survey responses read from an export.

    ``data`` has one row per response row of the file (index: the 1-based response number, which error
    messages call "row"); item columns are named by item id and hold float codes (NaN = no answer);
    other columns are kept (text, or numbers where every value is a number). ``log`` records every
    answer set to missing and every renamed, dropped or unmatched thing (columns row, column, value,
    event, message).
    """

    data: pd.DataFrame
    log: pd.DataFrame
    source: str | None
    format: str
    instrument: Instrument | None
    item_columns: dict
    id_column: str | None
    duration_column: str | None
    n_rows: int
    value_labels: dict = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"Responses read from {self.source or '<data>'} (format: {self.format})",
            f"  rows: {self.n_rows}   columns: {self.data.shape[1]}",
            f"  respondent id: {self.id_column or '(none)'}   "
            f"completion time: {self.duration_column or '(none)'}",
        ]
        if self.instrument is not None:
            lines.append(f"  instrument: {self.instrument.id} {self.instrument.version}   "
                         f"items matched: {len(self.item_columns)}")
            for iid, col in self.item_columns.items():
                vals = self.data[iid]
                lines.append(f"    {iid:<20} <- {str(col)[:60]!r}  answered {int(vals.notna().sum())}")
        if len(self.log):
            counts = self.log["event"].value_counts()
            lines.append("  log: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        else:
            lines.append("  log: empty")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per matched item: item, column (original heading), answered, missing, recoded_missing."""
        rows = []
        for iid, col in self.item_columns.items():
            vals = self.data[iid]
            recoded = int(((self.log["column"] == iid) & self.log["event"].isin(
                ["missing_code", "user_missing"])).sum()) if len(self.log) else 0
            rows.append({"item": iid, "column": col, "answered": int(vals.notna().sum()),
                         "missing": int(vals.isna().sum()), "recoded_missing": recoded})
        return pd.DataFrame(rows, columns=["item", "column", "answered", "missing", "recoded_missing"])


def read_responses(path, instrument=None, *, format="auto", id_column=None, mapping=None,
                   dictionary=None) -> Responses:
    """Read a survey export and, given an instrument, map its columns to items and answers to codes.

    Parameters
    ----------
    path : str or Path
        The export: CSV/TSV (any of ``,`` ``;`` tab, UTF-8 with or without BOM, Windows-1252), Excel
        (.xlsx, .xls), SPSS (.sav), Stata (.dta); Qualtrics, Google Forms, KoboToolbox/ODK, LimeSurvey,
        REDCap and SurveyMonkey layouts are recognised from their header rows.
    instrument : Instrument, str or None
        An :class:`~engagesurvey.instrument.Instrument`, a bundled instrument id or a YAML path. ``None``
        reads only (header rows dropped, no mapping or recoding).
    format : str
        ``"auto"`` or one of ``csv excel spss stata qualtrics google_forms kobo limesurvey redcap
        surveymonkey``.
    id_column : str, optional
        The respondent id column; detected when not given (``ResponseId``, ``_uuid``, ``record_id``,
        ``Respondent ID``, ``id``, ...). Ids must be unique.
    mapping : dict or path, optional
        ``{column heading: item id}`` or a YAML/CSV file (``column,item``); it overrides automatic
        matching for the items it names.
    dictionary : path, optional
        REDCap data dictionary (found next to the data file when not given).

    Raises
    ------
    InputError
        Naming file, row, column and value: unknown answer labels (all of them, with counts),
        out-of-range codes, duplicate ids, instrument items without a column, empty files, unreadable
        or mismatched formats.
    """
    if format not in detect.FORMATS:
        raise InputError(f"unknown format {format!r}; use one of {', '.join(detect.FORMATS)}")
    p = Path(path)
    name = p.name
    inst = load_instrument(instrument) if instrument is not None else None
    kind = detect.container(p, name, format)
    log: list = []
    if kind in ("spss", "stata"):
        frame, labels, slog = read_statfile(p, name, kind)
        log += slog
        heads = [str(c) for c in frame.columns]
        lay = Layout(format=kind, names=heads, headings=heads, keys=[[] for _ in heads], n_header=0,
                     value_labels=labels)
        frame.columns = heads
    else:
        if kind == "text":
            grid, _facts = read_text_grid(p, name)
        else:
            grid, _facts = read_excel_grid(p, name, kind)
        dict_fields = None
        dict_path = Path(dictionary) if dictionary is not None else None
        if dict_path is None and format in ("auto", "redcap") and redcap.looks_like(grid):
            dict_path = redcap.find_dictionary(p)
        if dict_path is not None:
            dict_fields = redcap.read_dictionary(dict_path)
        lay = detect.platform_layout(grid, kind, format, name, dictionary=dict_fields)
        log += lay.log
        frame = _grid_frame(grid, lay, name)
    if frame.shape[0] == 0:
        raise InputError(f"no data rows: the file has only its header ({lay.n_header} header row(s))",
                         file=name)
    frame, dropped = _drop_empty_unnamed(frame, lay)
    log += dropped
    id_col = _id_column(frame, lay, id_column, name)
    dur_col = None
    if lay.duration is not None:
        got = lay.duration(frame)
        if got is not None:
            secs, src = got
            duration = pd.DataFrame({"duration_seconds": secs.to_numpy(dtype=float)}, index=frame.index)
            frame = pd.concat([frame.drop(columns="duration_seconds", errors="ignore"), duration], axis=1)
            dur_col = "duration_seconds"
    item_columns: dict = {}
    missing_logs: list = []
    if inst is not None:
        entries = load_mapping(mapping, inst)
        found = match_columns(lay, inst, entries, name)
        frame, item_columns, rlog, missing_logs = _recode(frame, lay, inst, found, name)
        log += rlog
        for aid in inst.attention_checks:
            if aid not in found:
                log.append({"row": np.nan, "column": None, "value": None, "event": "not_found",
                            "message": f"attention check {aid!r} has no column in the export"})
    elif mapping is not None:
        raise InputError("mapping= needs an instrument (the items it names)", file=name)
    _check_ids(frame, id_col, lay, name)
    logf = pd.DataFrame(log, columns=LOG_COLUMNS)
    if missing_logs:
        logf = pd.concat([logf, *missing_logs], ignore_index=True)
    return Responses(data=frame, log=logf, source=str(p), format=lay.format, instrument=inst,
                     item_columns=item_columns, id_column=id_col, duration_column=dur_col,
                     n_rows=int(len(frame)), value_labels=dict(lay.value_labels))


# ----------------------------------------------------------------------------------------- helpers


def _grid_frame(grid: list, lay: Layout, name: str) -> pd.DataFrame:
    width = len(lay.names)
    table = getattr(grid, "table", None)  # a regular file read by pyarrow: no loop over rows
    if table is not None and table.num_columns == width:
        return _frame_from_table(table.slice(lay.n_header), lay)
    body = grid[lay.n_header:]
    rows = []
    for k, r in enumerate(body, start=1):
        if len(r) > width:
            extra = r[width:]
            if any(v not in (None, "") for v in extra):
                raise InputError(f"has {len(r)} fields but the header has {width}; is the delimiter "
                                 "right, or is a quote missing?", file=name, row=k)
            r = r[:width]
        elif len(r) < width:
            r = list(r) + [""] * (width - len(r))
        rows.append(r)
    index = pd.RangeIndex(1, len(rows) + 1, name="row")
    if not rows:
        return pd.DataFrame({n: pd.Series(dtype=object) for n in lay.names}, index=index)
    arr = np.empty((len(rows), width), dtype=object)
    arr[:] = rows
    out = {}
    for j, c in enumerate(lay.names):
        col = arr[:, j]
        out[c] = _infer_text(col, index) if pd.api.types.infer_dtype(col, skipna=False) == "string" \
            else _infer(pd.Series(col, index=index, dtype=object))
    return pd.DataFrame(out, index=index)


def _frame_from_table(table, lay: Layout) -> pd.DataFrame:
    """Columns of strings (a pyarrow table) to the frame :func:`_grid_frame` builds row by row."""
    index = pd.RangeIndex(1, table.num_rows + 1, name="row")
    out = {}
    for j, c in enumerate(lay.names):
        enc = table.column(j).combine_chunks().dictionary_encode()  # distinct answers, in C++
        codes = enc.indices.to_numpy(zero_copy_only=False)
        numbers = _plain_numbers(enc.dictionary) if len(enc.dictionary) > 10_000 else None
        out[c] = (_numeric_codes(numbers, codes, index) if numbers is not None
                  else _infer_codes(codes, enc.dictionary.to_pylist(), index))
    return pd.DataFrame(out, index=index, copy=False)  # columns kept as they are: no block copy


def _plain_numbers(dictionary) -> np.ndarray | None:
    """The numbers of many distinct strings (an id column), decided in C++: NaN for a blank, ``None``
    unless every other value is a plain number (then :func:`_infer_codes` decides, value by value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stripped = pc.utf8_trim_whitespace(dictionary)
    if pc.any(pc.match_substring_regex(stripped, _NOT_PLAIN.pattern)).as_py():
        return None
    blank = pc.equal(stripped, "").to_numpy(zero_copy_only=False)
    try:
        numbers = pc.cast(pc.if_else(blank, "0", stripped), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return np.where(blank, np.nan, numbers)


_NOT_PLAIN = re.compile(r"^[+-]?0\d|^\+|[a-zA-Z_]")  # leading zero, "+", letters, "1_000": kept as text


def _infer_text(col: np.ndarray, index) -> pd.Series:
    """Fast path of :func:`_infer` for a column of strings (CSV): see :func:`_infer_codes`."""
    codes, uniq = pd.factorize(col)
    return _infer_codes(codes, list(uniq), index)


def _infer_codes(codes: np.ndarray, uniq: list, index) -> pd.Series:
    """A column of strings given as its distinct values ``uniq`` and each row's position ``codes``.

    A survey column holds few distinct answers: decide and convert on the distinct values only, then
    index back. Blank -> missing; plain numbers (no leading zero, no "+", no letters) -> numeric (int64
    when all whole and nothing is missing); otherwise the text is kept.
    """
    stripped = np.array([u.strip() for u in uniq], dtype=object)
    blank_u = stripped == ""
    if len(uniq) == 0 or blank_u.all():
        return pd.Series(np.nan, index=index, dtype=float)
    nb = stripped[~blank_u]
    try:
        nums = np.array([float(v) for v in nb])
    except ValueError:
        nums = None
    if nums is not None and not any(_NOT_PLAIN.search(v) for v in nb):
        val_u = np.full(len(uniq), np.nan)
        val_u[~blank_u] = nums
        return _numeric_codes(val_u, codes, index)
    blank = blank_u[codes]
    text_u = np.empty(len(uniq), dtype=object)
    text_u[:] = uniq
    text_u[blank_u] = np.nan
    return pd.Series(text_u[codes], index=index, dtype=object, copy=False)


def _numeric_codes(numbers: np.ndarray, codes: np.ndarray, index) -> pd.Series:
    """Each row's number (``numbers`` per distinct value, NaN = blank); int64 when all are whole."""
    vals = numbers[codes]
    whole = np.isfinite(numbers).all() and np.all(np.mod(numbers, 1) == 0) and np.all(np.abs(numbers) < 2**53)
    if whole:
        return pd.Series(vals.astype(np.int64), index=index, copy=False)
    return pd.Series(vals, index=index, copy=False)


def _infer(s: pd.Series) -> pd.Series:
    """Blank -> missing; a column whose every value is a plain number becomes numeric."""
    obj = s.astype(object)
    kind = pd.api.types.infer_dtype(obj, skipna=True)
    if kind == "empty":
        return pd.Series(np.nan, index=s.index, dtype=float)
    if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        return _plain_numeric(pd.to_numeric(obj))
    if kind == "string":  # text with empty cells (Excel): the same rule as a CSV column
        return _infer_text(obj.where(obj.notna(), "").to_numpy(dtype=object), s.index)
    # Excel: mixed cell types
    isstr = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    t = obj.where(~isstr, obj.map(lambda v: v.strip() if isinstance(v, str) else v))
    blank = (obj.isna().to_numpy(dtype=bool)) | (isstr & (t == "").to_numpy(dtype=bool))
    if blank.all():
        return pd.Series(np.nan, index=s.index, dtype=float)
    return obj.where(~blank, np.nan)


def _plain_numeric(num: pd.Series) -> pd.Series:
    """numpy int64 when whole and complete, else float64 (no nullable extension dtypes)."""
    vals = num.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if not np.isnan(vals).any() and np.all(np.mod(vals, 1) == 0) and np.all(np.abs(vals) < 2**53):
        return pd.Series(vals.astype(np.int64), index=num.index)
    return pd.Series(vals, index=num.index)


def _drop_empty_unnamed(frame: pd.DataFrame, lay: Layout):
    log = []
    keep = []
    for j, (c, h) in enumerate(zip(frame.columns, lay.headings)):
        if h == "" and frame[c].isna().all():
            log.append({"row": np.nan, "column": c, "value": None, "event": "dropped_column",
                        "message": f"column {j + 1} has no heading and no values; dropped"})
        else:
            keep.append(c)
    if len(keep) == frame.shape[1]:
        return frame, log
    pos = [list(frame.columns).index(c) for c in keep]
    lay.names = [lay.names[j] for j in pos]
    lay.headings = [lay.headings[j] for j in pos]
    lay.keys = [lay.keys[j] for j in pos]
    return frame[keep], log


def _id_column(frame, lay: Layout, given, name):
    if given is not None:
        if given in frame.columns:
            return given
        if given in lay.headings:
            return lay.names[lay.headings.index(given)]
        close = _suggest(str(given), [str(c) for c in frame.columns])
        hint = f"; close headings: {', '.join(map(repr, close))}" if close else ""
        raise InputError(f"id column not found{hint}", file=name, column=given)
    return find_column(frame, lay.id_candidates) if lay.id_candidates else None


def _check_ids(frame, id_col, lay: Layout, name):
    if id_col is None:
        return
    ids = frame[id_col]
    keys = [id_col, *[c for c in lay.id_unique_with if c in frame.columns]]
    sub = frame[keys][ids.notna()]
    dup = sub.duplicated(keep=False)
    if not dup.any():
        return
    d = sub[dup]
    groups = d.groupby(keys if len(keys) > 1 else keys[0], sort=False, dropna=False).groups
    parts = []
    for key, rows in list(groups.items())[:10]:
        shown = tuple(_py(k) for k in key) if isinstance(key, tuple) else _py(key)
        parts.append(f"{shown!r} (rows {', '.join(str(int(r)) for r in rows)})")
    more = f" and {len(groups) - 10} more" if len(groups) > 10 else ""
    first_rows = list(groups.values())[0]
    raise InputError(f"{len(groups)} respondent id(s) occur more than once: " + "; ".join(parts) + more,
                     file=name, row=int(first_rows[1]), column=id_col, value=_py(d[id_col].iloc[0]))


def _recode(frame, lay: Layout, inst: Instrument, found: dict, name: str):
    """Replace each matched column by its item's float codes (named by item id); collect problems.

    Returns (frame, item columns, log records, log frames of the answers set to missing)."""
    log: list = []
    missing_logs: list = []
    problems = {"unknown": [], "out_of_range": [], "label_conflict": []}
    new_cols: dict = {}
    item_columns: dict = {}
    items = inst.all_items()
    for iid, j in found.items():
        col = lay.names[j]
        item_columns[iid] = lay.headings[j] if lay.headings[j] else col
        rs = inst.response_scales[items[iid].response_scale]
        # distinct answers once (factorize: C speed), resolved to codes, then indexed back to the rows
        where, uniq = pd.factorize(frame[col], use_na_sentinel=True)
        uniq = list(np.asarray(uniq, dtype=object))
        table = resolve_values(uniq, rs, choices=lay.choices.get(col), labels=lay.value_labels.get(col))
        value_of = np.array([table[v][0] for v in uniq] + [np.nan], dtype=float)  # -1 (missing) -> NaN
        codes = pd.Series(value_of[where], index=frame.index, copy=False)
        for k, v in enumerate(uniq):
            code, event = table[v]
            if event == "ok":
                continue
            rows = frame.index[where == k]
            if event == "missing_code":  # one log line per answer set to missing, built column-wise
                missing_logs.append(pd.DataFrame({
                    "row": rows.astype(int), "column": iid, "value": _py(v), "event": "missing_code",
                    "message": f"missing code {v!r} of item {iid!r} set to missing"}, columns=LOG_COLUMNS))
            else:
                problems[event].append((col, v, len(rows), int(rows[0]), code, rs))
        new_cols[col] = (iid, codes)
    if any(problems.values()):
        _raise_problems(problems, name, inst, list(frame.columns))
    renamed = {}
    out = {}
    taken = {iid for iid, _ in new_cols.values()}
    for c in frame.columns:
        if c in new_cols:
            iid, codes = new_cols[c]
            out[iid] = codes
        else:
            cname = c
            while cname in taken or cname in out:
                cname = f"{cname}_orig"
            if cname != c:
                renamed[c] = cname
                log.append({"row": np.nan, "column": cname, "value": c, "event": "renamed_column",
                            "message": f"column {c!r} renamed {cname!r}: its name is an item id "
                                       "matched to another column"})
            out[cname] = frame[c]
    return pd.DataFrame(out, index=frame.index, copy=False), item_columns, log, missing_logs


def _py(v):
    """A numpy scalar as the plain Python value (so messages show 4, not np.int64(4))."""
    return v.item() if isinstance(v, np.generic) else v


def _fmt(v):
    v = _py(v)
    if isinstance(v, float) and v.is_integer():
        return repr(int(v))
    return repr(v)


def _raise_problems(problems, name, inst, columns):
    for event in ("unknown", "out_of_range", "label_conflict"):
        if problems[event]:
            first = problems[event]
            break
    order = {c: k for k, c in enumerate(columns)}
    col, v, _, row, code, rs = min(first, key=lambda p: (p[3], order.get(p[0], 0)))
    first = sorted(first, key=lambda p: (-p[2], order.get(p[0], 0)))
    if event == "unknown":
        total = sum(p[2] for p in first)
        distinct = len({_fmt(p[1]) for p in first})
        listed = "; ".join(f"{_fmt(v2)} x{n} in {c!r}" for c, v2, n, _, _, _ in first)
        more = ""
        extra = ""
        if problems["out_of_range"]:
            extra = f"; also {len(problems['out_of_range'])} out-of-range code(s)"
        msg = (f"{distinct} unknown answer label(s) in {total} cell(s): {listed}{more}{extra}. "
               f"Add them as aliases to the response scale in instrument {inst.id!r}")
    elif event == "out_of_range":
        total = sum(p[2] for p in first)
        listed = "; ".join(
            f"{_fmt(v2)} x{n} in {c!r} (allowed {_allowed(r)})" for c, v2, n, _, _, r in first)
        distinct = len({_fmt(p[1]) for p in first})
        msg = f"{distinct} out-of-range code(s) in {total} cell(s): {listed}"
    else:
        listed = "; ".join(f"{_fmt(v2)} in {c!r} is labelled as code {_fmt(cd)}" for c, v2, _, _, cd, _ in first)
        msg = (f"value labels disagree with the instrument's codes: {listed}; "
               "recode the file or fix the instrument")
    raise InputError(msg, file=name, row=row, column=col, value=_py(v))


def _allowed(rs):
    if rs.numeric:
        return f"{rs.min:g} to {rs.max:g}"
    codes = ", ".join(f"{c:g}" for c in rs.codes())
    miss = f"; missing codes {', '.join(f'{c:g}' for c in rs.missing_codes)}" if rs.missing_codes else ""
    return codes + miss
