"""Reading coded qualitative data: Taguette, QualCoder, plain CSV and code-by-document matrices.

Every reader returns :class:`CodedData`: a long table ``unit coder code theme excerpt count source_row``
plus a ``problems`` table. Nothing is dropped silently: with ``on_unknown="error"`` (the default) the
first problem raises :class:`~engagesurvey.errors.InputError` naming file, row, column and value; with
``on_unknown="report"`` every problem row is kept out of ``.data`` and listed in ``.problems``.

Row numbers are those a spreadsheet shows: the header is row 1, the first data row is row 2.

Layouts (column names are matched ignoring case and spaces):

* **Taguette** highlights export (CSV or XLSX; ``taguette/export.py``: ``highlights_csv`` /
  ``highlights_xslx``): ``id, document, tag, content``: one row per highlight and tag (a highlight with
  several tags is repeated; an untagged one has an empty ``tag``). The unit is the document name.
  Taguette records no coder: pass ``coder=`` (default: the file name without extension).
* **QualCoder** coding report exported as CSV/XLSX (``report_codes.py``, ``export_csv_file``):
  ``File`` (or ``Case`` then ``Filename``), ``Coder``, ``Coded``, ``Id`` (``ctid:N``), ``Codename``,
  ``Coded_Memo`` (newer versions), then one ``Category`` column per category level and optional
  ``FileVar_*``/``CaseVar_*`` columns. The unit is the case when the report is by case, else the file.
  ``Coded`` holds the text, or ``image`` / ``a/v`` for media codings.
* **plain** CSV/XLSX: a unit column (``unit``, ``respondent``, ``respondent_id``, ``id``, ``document``,
  ``responden``), a code column (``code``, ``tag``, ``theme``, ``kode``, ``tema``), optional ``excerpt``
  (``excerpt``, ``text``, ``quote``, ``content``, ``kutipan``) and ``coder`` (``coder``, ``pengode``).
* **matrix**: a code-by-document matrix as NVivo, ATLAS.ti or MAXQDA export it: the first column names
  the document (unit), every other column is a code, cells are counts or 0/1 (blank = 0). Rows or
  columns named ``Total``/``Totals``/``Jumlah`` are totals and are skipped (listed in ``.notes``).
  ``transpose=True`` reads codes as rows and documents as columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._results import ResultMixin
from ..errors import EngageSurveyError, InputError
from ..instrument import normalise_label
from .codebook import load_codebook

FORMATS = ("auto", "taguette", "qualcoder", "plain", "matrix")
_UNIT_NAMES = ("unit", "respondent", "respondent_id", "respondent id", "id", "document", "responden",
               "id_responden", "case", "file")
_CODE_NAMES = ("code", "tag", "theme", "kode", "tema", "codename")
_EXCERPT_NAMES = ("excerpt", "text", "quote", "content", "kutipan", "highlight", "coded", "segment")
_CODER_NAMES = ("coder", "pengode", "rater", "owner")
_TOTALS = {"total", "totals", "jumlah", "sum", "gesamt", "summe"}
PROBLEM_COLUMNS = ["file", "row", "column", "value", "problem"]


@dataclass(repr=False)
class CodedData(ResultMixin):
    """Coded segments read from a QDA export. ``.data``: unit coder code theme excerpt count source_row."""

    data: pd.DataFrame
    problems: pd.DataFrame
    units: list
    source: str
    format: str
    notes: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"CodedData({self.format}, rows={len(self.data)}, units={len(self.units)}, "
                f"problems={len(self.problems)})")

    def to_frame(self) -> pd.DataFrame:
        return self.data.copy()

    def summary(self) -> str:
        lines = [f"Coded data from {self.source} ({self.format}): {len(self.data)} coded segments, "
                 f"{len(self.units)} units, {self.data['coder'].nunique()} coder(s), "
                 f"{self.data['theme'].nunique()} codes"]
        if len(self.problems):
            lines.append(f"{len(self.problems)} row(s) with problems, left out of .data:")
            lines.append(self.problems.to_string(index=False))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _key(name) -> str:
    return normalise_label(name).replace("_", " ")


def _find(columns, names):
    keys = {_key(c): c for c in columns}
    for n in names:
        if _key(n) in keys:
            return keys[_key(n)]
    return None


def read_table(path, sheet=0, *, as_text: bool = True) -> pd.DataFrame:
    """A CSV (any delimiter) or Excel sheet, or an :class:`InputError` naming the file.

    ``as_text``: every cell as a string, blanks as ``""`` (coded exports); otherwise pandas' own
    types, blanks missing (score tables).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    suffix = path.suffix.lower()
    dtype = str if as_text else None
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(path, sheet_name=sheet, dtype=dtype)
        else:
            frame = pd.read_csv(path, dtype=dtype, keep_default_na=not as_text, encoding="utf-8-sig",
                                sep=None, engine="python")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {str(exc).splitlines()[0]}", file=str(path)) from None
    if as_text:
        frame = frame.fillna("")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def detect_format(frame: pd.DataFrame) -> str:
    """Which layout a coded-data table has (see the module docstring)."""
    cols = {_key(c) for c in frame.columns}
    if {"document", "tag"} <= cols and (cols & {"content", "highlight"}):
        return "taguette"
    if {"coder", "coded", "codename"} <= cols and (cols & {"file", "case"}):
        return "qualcoder"
    if _find(frame.columns, _CODE_NAMES) is not None and _find(frame.columns, _UNIT_NAMES) is not None:
        return "plain"
    return "matrix"


def read_coded(path, *, format: str = "auto", codebook=None, known_ids=None, coder=None,
               on_unknown: str = "error", id_pattern=None, sheet=0, transpose: bool = False) -> CodedData:
    """Read coded qualitative data (one file, or a list of files, e.g. one per coder).

    Parameters
    ----------
    path : str or Path, or a list of them
    format : {"auto", "taguette", "qualcoder", "plain", "matrix"}
    codebook : codebook id, path or :class:`Codebook`, optional
        When given, every code must resolve to one of its themes (id, ``parent/child`` path, label or
        alias); ``theme`` holds the theme id. Without it ``theme`` is the code as written.
    known_ids : iterable, optional
        Respondent (unit) ids that exist; a unit outside this set is a problem.
    coder : str, optional
        Coder name for layouts without a coder column (Taguette, matrices); default: the file's stem.
    on_unknown : {"error", "report"}
        "error" raises on the first problem (unknown code, unknown id, empty excerpt, missing code or unit,
        non-numeric matrix cell); "report" keeps problem rows out of ``.data`` and lists them all in
        ``.problems`` (file row column value problem).
    id_pattern : str, optional
        Regular expression that extracts the unit id from a document name (first group, else the match),
        e.g. ``r"R\\d+"`` for documents named ``R001 wawancara.txt``.
    sheet : sheet name or index for XLSX files. transpose : matrices with codes as rows.
    """
    if on_unknown not in ("error", "report"):
        raise EngageSurveyError(f"read_coded: on_unknown must be 'error' or 'report', got {on_unknown!r}")
    if format not in FORMATS:
        raise EngageSurveyError(f"read_coded: format must be one of {', '.join(FORMATS)}, got {format!r}")
    if isinstance(path, (list, tuple)):
        parts = [read_coded(p, format=format, codebook=codebook, known_ids=known_ids, coder=coder,
                            on_unknown=on_unknown, id_pattern=id_pattern, sheet=sheet, transpose=transpose)
                 for p in path]
        if not parts:
            raise EngageSurveyError("read_coded: no files given")
        units = list(dict.fromkeys(u for p in parts for u in p.units))
        return CodedData(data=pd.concat([p.data for p in parts], ignore_index=True),
                         problems=pd.concat([p.problems for p in parts], ignore_index=True),
                         units=units, source=", ".join(p.source for p in parts),
                         format=", ".join(dict.fromkeys(p.format for p in parts)),
                         notes=[n for p in parts for n in p.notes])
    path = Path(path)
    frame = read_table(path, sheet)
    fmt = detect_format(frame) if format == "auto" else format
    cb = load_codebook(codebook) if codebook is not None else None
    default_coder = coder if coder is not None else path.stem
    ctx = _Ctx(str(path), on_unknown, cb, None if known_ids is None else {str(k).strip() for k in known_ids},
               id_pattern)
    if fmt == "matrix":
        long, units = _matrix(frame, ctx, default_coder, transpose)
    else:
        long, units = _long(frame, fmt, ctx, default_coder)
    if ctx.problems and on_unknown == "error":
        f, row, col, val, what = min(ctx.problems, key=lambda p: p[1])  # the first row with a problem
        raise InputError(what, file=f, row=row, column=col, value=val)
    problems = pd.DataFrame(ctx.problems, columns=PROBLEM_COLUMNS).sort_values("row", kind="stable")
    problems = problems.reset_index(drop=True)
    return CodedData(data=long, problems=problems, units=units, source=str(path), format=fmt,
                     notes=ctx.notes)


class _Ctx:
    def __init__(self, file, mode, codebook, known, id_pattern):
        self.file, self.mode, self.codebook, self.known = file, mode, codebook, known
        self.pattern = re.compile(id_pattern) if id_pattern else None
        self.problems: list = []
        self.notes: list = []

    def flag(self, mask, rows, column, values, problem):
        """Record a problem for every row where ``mask`` holds."""
        mask = np.asarray(mask, bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        self.problems += [(self.file, int(rows[k]), column, values[k], problem) for k in idx]

    def unit_ids(self, names: np.ndarray, rows, column) -> np.ndarray:
        if self.pattern is None:
            return names
        out = np.empty(len(names), dtype=object)
        bad = np.zeros(len(names), bool)
        for k, name in enumerate(names):
            m = self.pattern.search(name)
            if m is None:
                bad[k] = True
                out[k] = ""
            else:
                out[k] = m.group(1) if m.groups() else m.group(0)
        self.flag(bad & (names != ""), rows, column, names,
                  f"document name has no id matching pattern {self.pattern.pattern!r}")
        return out

    def themes(self, codes: np.ndarray, rows, column, bad: np.ndarray) -> np.ndarray:
        if self.codebook is None:
            return codes.copy()
        uniq = {c: self.codebook.resolve(c) for c in pd.unique(codes)}
        theme = np.array([uniq[c] for c in codes], dtype=object)
        miss = (theme == None) & ~bad & (codes != "")
        self.flag(miss, rows, column, codes, f"code not in codebook {self.codebook.id!r}")
        return theme

    def check_known(self, units, rows, column, bad):
        if self.known is None:
            return np.zeros(len(units), bool)
        miss = ~np.isin(units.astype(str), list(self.known)) & (units != "") & ~bad
        self.flag(miss, rows, column, units, "id matches no respondent")
        return miss


def _long(frame: pd.DataFrame, fmt: str, ctx: _Ctx, default_coder: str):
    cols = frame.columns
    if fmt == "taguette":
        ucol, ccol = _find(cols, ["document"]), _find(cols, ["tag"])
        xcol, kcol = _find(cols, ["content", "highlight"]), None
    elif fmt == "qualcoder":
        ucol = _find(cols, ["case"]) or _find(cols, ["file"])
        ccol, xcol, kcol = _find(cols, ["codename"]), _find(cols, ["coded"]), _find(cols, ["coder"])
    elif fmt == "plain":
        ucol, ccol = _find(cols, _UNIT_NAMES), _find(cols, _CODE_NAMES)
        xcol, kcol = _find(cols, _EXCERPT_NAMES), _find(cols, _CODER_NAMES)
    else:
        raise EngageSurveyError(f"read_coded: unknown format {fmt!r}")
    for role, col in (("unit", ucol), ("code", ccol)):
        if col is None:
            raise InputError(f"no {role} column for the {fmt} layout; columns: {', '.join(cols)}",
                             file=ctx.file, row=1)
    n = len(frame)
    rows = np.arange(n) + 2
    names = frame[ucol].astype(str).str.strip().to_numpy(dtype=object)
    codes = frame[ccol].astype(str).str.strip().to_numpy(dtype=object)
    excerpts = (frame[xcol].astype(str).str.strip().to_numpy(dtype=object) if xcol is not None
                else np.full(n, np.nan, dtype=object))
    coders = (frame[kcol].astype(str).str.strip().to_numpy(dtype=object) if kcol is not None
              else np.full(n, default_coder, dtype=object))
    bad = names == ""
    ctx.flag(bad, rows, ucol, names, "empty unit (document / respondent id)")
    units = ctx.unit_ids(names, rows, ucol)
    bad |= units == ""
    empty_code = (codes == "") & ~bad
    what = "highlight has no tag" if fmt == "taguette" else "empty code"
    ctx.flag(empty_code, rows, ccol, codes, what)
    bad |= empty_code
    if xcol is not None:
        empty_x = (excerpts == "") & ~bad
        ctx.flag(empty_x, rows, xcol, excerpts, "empty excerpt")
        bad |= empty_x
    if kcol is not None:
        empty_k = (coders == "") & ~bad
        ctx.flag(empty_k, rows, kcol, coders, "empty coder")
        bad |= empty_k
    unknown_id = ctx.check_known(units, rows, ucol, bad)
    unit_ok = ~bad & ~unknown_id
    bad |= unknown_id
    theme = ctx.themes(codes, rows, ccol, bad)
    bad |= pd.isna(pd.Series(theme)).to_numpy()
    keep = ~bad
    data = pd.DataFrame({"unit": units[keep], "coder": coders[keep], "code": codes[keep],
                         "theme": theme[keep], "excerpt": excerpts[keep], "count": np.ones(keep.sum()),
                         "source_row": rows[keep]})
    all_units = list(dict.fromkeys(units[unit_ok | (~unknown_id & (units != ""))]))
    return data.astype({"unit": object, "coder": object, "code": object, "theme": object, "excerpt": object}), \
        all_units


def _matrix(frame: pd.DataFrame, ctx: _Ctx, default_coder: str, transpose: bool):
    if frame.shape[1] < 2:
        raise InputError("a code matrix needs a document column and at least one code column",
                         file=ctx.file, row=1)
    if transpose:
        first = frame.columns[0]
        frame = frame.set_index(first).T.reset_index().rename(columns={"index": "document"})
        frame.columns = [str(c) for c in frame.columns]
    ucol = frame.columns[0]
    code_cols = [c for c in frame.columns[1:] if _key(c) not in _TOTALS and not str(c).startswith("Unnamed")]
    skipped = [c for c in frame.columns[1:] if c not in code_cols]
    names = frame[ucol].astype(str).str.strip().to_numpy(dtype=object)
    total_rows = np.array([_key(x) in _TOTALS for x in names], bool)
    if skipped:
        ctx.notes.append(f"{ctx.file}: skipped total/unnamed column(s) {', '.join(map(str, skipped))}")
    if total_rows.any():
        ctx.notes.append(f"{ctx.file}: skipped totals row(s) {', '.join(map(str, np.flatnonzero(total_rows) + 2))}")
    rows = np.arange(len(frame)) + 2
    bad = ~total_rows & (names == "")
    ctx.flag(bad, rows, ucol, names, "empty document name")
    units = ctx.unit_ids(names, rows, ucol)
    bad |= total_rows | (units == "")
    bad |= ctx.check_known(units, rows, ucol, bad)
    # codes are the column names: check them once, on the header row
    header = np.array(code_cols, dtype=object)
    if ctx.codebook is not None:
        col_theme = np.array([ctx.codebook.resolve(c) for c in header], dtype=object)
        miss = col_theme == None
        for k in np.flatnonzero(miss):
            ctx.flag(np.array([True]), [1], header[k], [header[k]],
                     f"code not in codebook {ctx.codebook.id!r}")
    else:
        col_theme = header.copy()
        miss = np.zeros(len(header), bool)
    cells = frame[code_cols].astype(str).apply(lambda s: s.str.strip())
    num = cells.replace("", "0").apply(pd.to_numeric, errors="coerce")
    nonnum = num.isna().to_numpy() | (num.to_numpy() < 0)
    for j, col in enumerate(code_cols):
        ctx.flag(nonnum[:, j] & ~bad, rows, col, cells[col].to_numpy(dtype=object),
                 "not a count (a whole number >= 0 or 0/1)")
    counts = np.where(nonnum, 0.0, num.to_numpy(float))
    bad_rows = bad | (nonnum.any(1) & ~bad)
    use = counts > 0
    use[bad_rows] = False
    use[:, miss] = False
    r, c = np.nonzero(use)
    data = pd.DataFrame({"unit": units[r], "coder": np.full(len(r), default_coder, dtype=object),
                         "code": header[c], "theme": col_theme[c], "excerpt": np.full(len(r), np.nan, dtype=object),
                         "count": counts[r, c], "source_row": rows[r]})
    all_units = [u for u, b in zip(units, bad_rows) if not b]
    return data.astype({"unit": object, "coder": object, "code": object, "theme": object, "excerpt": object}), \
        all_units
