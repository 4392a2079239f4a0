"""Machine-readable exports of report tables: an .xlsx workbook, CSV files and JSON.

Every writer here enforces the anonymity rules on the way out:

* a table with an ``n`` column is a group breakdown: unless it already went through
  :func:`engagesurvey.report.anonymity.breakdown`/``suppress`` at the same or a stricter threshold
  (``attrs["min_group"]``), it is suppressed here (primary + complementary, overall total taken as shown);
* no respondent-id column may appear (:func:`engagesurvey.report.anonymity.check_no_ids`), and with
  ``respondent_ids=`` no cell may hold one of those ids;
* every text cell, column name and sheet name is neutralised against formula injection
  (:func:`engagesurvey.safe.safe_frame`: text starting with ``= + - @``, tab or CR gets a leading ``'``);
  in the workbook every text cell is also stored explicitly as a string, never as a formula.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EngageSurveyError
from ..safe import DANGEROUS, neutralise, safe_frame
from . import anonymity

_BAD_NAME = re.compile(r"[^\w.\- ]", re.UNICODE)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _check_basename(basename: str) -> str:
    name = str(basename)
    if not name or name in (".", "..") or "/" in name or "\\" in name or _BAD_NAME.search(name):
        raise EngageSurveyError(
            f"basename {basename!r} must be a plain file name (letters, digits, '.', '-', '_', spaces)")
    return name


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        out = out.reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = [" ".join(str(x) for x in c if str(x)) for c in out.columns]
    return out


def prepare_table(table: pd.DataFrame, name: str = "table", *, min_group: int = anonymity.DEFAULT_MIN_GROUP,
                  n_col: str = "n", respondent_ids=None) -> pd.DataFrame:
    """The table as it may leave the library: ids refused, breakdowns suppressed, text neutralised."""
    k = anonymity.check_min_group(min_group)
    if not isinstance(table, pd.DataFrame):
        raise EngageSurveyError(f"table {name!r} must be a DataFrame, got {type(table).__name__}")
    anonymity.check_no_ids(table, f"table {name!r}")
    out = _flat(table)
    anonymity.check_no_ids(out, f"table {name!r}")
    if n_col in out.columns:
        done = out.attrs.get("min_group", 0) >= k and ("suppressed" in out.attrs or out.attrs.get("breakdown"))
        small = (pd.to_numeric(out[n_col], errors="coerce") < k).any()
        if not done or small:
            out = anonymity.suppress(out, n_col, k).reset_index(drop=True)
    if respondent_ids is not None:
        ids = {str(i) for i in pd.Series(respondent_ids).dropna()}
        text = out.astype(str)
        hit = text.isin(ids).to_numpy()
        if hit.any() or any(str(c) in ids for c in out.columns):
            raise EngageSurveyError(f"table {name!r} contains a respondent id; exports never contain ids")
    return safe_frame(out)


def _sheet_title(name: str, used: set) -> str:
    base = _SHEET_BAD.sub("_", str(name)).strip("'") or "sheet"
    if base.startswith(DANGEROUS):
        base = "_" + base
    base = base[:31]
    title, j = base, 1
    while title.lower() in used:
        j += 1
        title = f"{base[: 31 - len(str(j)) - 1]}_{j}"
    used.add(title.lower())
    return title


def _cell(value):
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return _ILLEGAL_XML.sub("", str(neutralise(str(value))))


def write_tables(tables: dict, out_dir, *, basename: str, min_group: int = anonymity.DEFAULT_MIN_GROUP,
                 respondent_ids=None) -> dict:
    """Write ``tables`` as one workbook ``<basename>.xlsx`` (a sheet per table) and one CSV per table
    (``<basename>_<table>.csv``, UTF-8 with BOM so Excel reads it).

    Every table goes through :func:`prepare_table` first (ids refused, group breakdowns suppressed,
    text neutralised against formula injection). Returns ``{"xlsx": path, "csv": {name: path}}``.
    """
    from openpyxl import Workbook

    base = _check_basename(basename)
    if not isinstance(tables, dict) or not tables:
        raise EngageSurveyError("write_tables: give a non-empty dict {name: DataFrame}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ready = {str(n): prepare_table(t, str(n), min_group=min_group, respondent_ids=respondent_ids)
             for n, t in tables.items()}
    wb = Workbook()
    wb.remove(wb.active)
    used: set = set()
    csvs = {}
    for name, frame in ready.items():
        ws = wb.create_sheet(_sheet_title(name, used))
        ws.append([_cell(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
        fname = _BAD_NAME.sub("_", name).strip(". ") or "table"
        path = out_dir / f"{base}_{fname}.csv"
        # RFC 4180 line ends: a field holding CR or LF is then always quoted (with pandas' default "\n"
        # a bare CR would start a new row in Excel, and a formula with it)
        frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        csvs[name] = path
    xlsx = out_dir / f"{base}.xlsx"
    wb.save(xlsx)
    return {"xlsx": xlsx, "csv": csvs}


def to_jsonable(obj, *, _key: str = "results"):
    """Plain JSON data: NaN/inf -> None, numpy -> Python, tuples -> lists, DataFrames -> records,
    result dataclasses -> their fields. Raises on a respondent-id key or column."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if str(k).strip().lower() in anonymity.ID_COLUMNS:
                raise EngageSurveyError(f"{_key}: key {k!r} looks like a respondent id; JSON never holds ids")
            out[str(k)] = to_jsonable(v, _key=f"{_key}.{k}")
        return out
    if isinstance(obj, pd.DataFrame):
        frame = _flat(obj)
        anonymity.check_no_ids(frame, _key)
        return [to_jsonable(r, _key=_key) for r in frame.to_dict("records")]
    if isinstance(obj, pd.Series):
        if str(obj.name).strip().lower() in anonymity.ID_COLUMNS:
            raise EngageSurveyError(f"{_key}: series {obj.name!r} looks like a respondent id")
        return {str(k): to_jsonable(v, _key=_key) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)
                            if not isinstance(getattr(obj, f.name), np.ndarray)}, _key=_key)
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v, _key=_key) for v in obj.tolist()]
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v, _key=_key) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(float(obj)) else None
    if obj is None or isinstance(obj, str):
        return obj
    try:
        if pd.isna(obj):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(obj, "id") and hasattr(obj, "version"):  # an Instrument
        return {"id": str(obj.id), "version": str(obj.version)}
    return str(obj)


def write_results_json(results: dict, path) -> Path:
    """Write ``results`` as machine-readable JSON (UTF-8, NaN as null, no respondent ids)."""
    if not isinstance(results, dict):
        raise EngageSurveyError("write_results_json: results must be a dict")
    data = to_jsonable(results)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, allow_nan=False)
    return path
