"""Excel workbooks (.xlsx/.xlsm via openpyxl, .xls via xlrd) into a grid of cell values.

The first worksheet with any data is read (survey platforms put the responses on the first sheet;
KoboToolbox's XLSX export names it after the form). Cells keep their types: numbers stay numbers,
text stays text, empty cells become ``None``. Trailing empty rows and columns are dropped.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def _trim(rows: list[list]) -> list[list]:
    def empty(v):
        return v is None or (isinstance(v, str) and not v.strip())

    rows = [list(r) for r in rows]
    while rows and all(empty(v) for v in rows[-1]):
        rows.pop()
    width = 0
    for r in rows:
        for j in range(len(r) - 1, -1, -1):
            if not empty(r[j]):
                width = max(width, j + 1)
                break
    out = []
    for r in rows:
        r = (r + [None] * width)[:width]
        out.append([v.replace("\ufeff", "") if isinstance(v, str) else v for v in r])
    return out


def read_excel_grid(path: Path, name: str, kind: str) -> tuple[list[list], dict]:
    """Rows of the first non-empty worksheet; ``kind`` is ``"xlsx"`` or ``"xls"``."""
    sheets: list[tuple[str, list[list]]] = []
    try:
        if kind == "xls":
            import xlrd

            book = xlrd.open_workbook(str(path))
            for sh in book.sheets():
                rows = []
                for i in range(sh.nrows):
                    row = []
                    for c in sh.row(i):
                        if c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                            row.append(None)
                        elif c.ctype == xlrd.XL_CELL_DATE:
                            row.append(xlrd.xldate.xldate_as_datetime(c.value, book.datemode))
                        else:
                            row.append(c.value)
                    rows.append(row)
                sheets.append((sh.name, rows))
        else:
            import openpyxl

            book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
            try:
                for ws in book.worksheets:
                    sheets.append((ws.title, [list(r) for r in ws.iter_rows(values_only=True)]))
            finally:
                book.close()
    except InputError:
        raise
    except Exception as exc:  # corrupt workbook: the libraries raise many kinds
        raise InputError(f"not a readable Excel workbook ({type(exc).__name__}: {exc})", file=name) from None
    for title, rows in sheets:
        rows = _trim(rows)
        if rows:
            return rows, {"sheet": title}
    raise InputError("the workbook is empty (no header, no rows)", file=name)
