"""Which reader a file needs: the container (text, Excel, SPSS, Stata) from its magic bytes and
extension, and the survey platform from its header rows."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from . import google_forms, kobo, limesurvey, qualtrics, redcap, surveymonkey
from ._layout import Layout, generic_layout

FORMATS = ("auto", "csv", "excel", "spss", "stata", "qualtrics", "google_forms", "kobo", "limesurvey",
           "redcap", "surveymonkey")
PLATFORMS = ("qualtrics", "google_forms", "kobo", "limesurvey", "redcap", "surveymonkey")
_EXT = {".csv": "text", ".tsv": "text", ".txt": "text", ".tab": "text", ".dat": "text",
        ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".sav": "spss", ".zsav": "spss",
        ".dta": "stata"}
_WHAT = {"text": "a delimited text file (CSV/TSV)", "xlsx": "an Excel workbook (.xlsx)",
         "xls": "an Excel 97-2003 workbook (.xls)", "spss": "an SPSS .sav file",
         "stata": "a Stata .dta file", "zip": "a ZIP archive", "binary": "a binary file"}
_FMT_FOR = {"text": "csv", "xlsx": "excel", "xls": "excel", "spss": "spss", "stata": "stata"}


def sniff_container(head: bytes) -> str | None:
    """Container kind from the first bytes, or None when they say nothing (plain text)."""
    if head.startswith(b"PK\x03\x04"):
        marks = (b"[Content_Types].xml", b"xl/", b"docProps", b"_rels/")
        return "xlsx" if any(m in head for m in marks) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith((b"$FL2", b"$FL3")):
        return "spss"
    if head.startswith(b"<stata_dta>"):
        return "stata"
    if len(head) >= 4 and 104 <= head[0] <= 115 and head[1] in (1, 2) and head[2] == 1 and head[3] == 0:
        return "stata"
    return None


def container(path: Path, name: str, fmt: str) -> str:
    """'text', 'xlsx', 'xls', 'spss' or 'stata'; raise when extension, content and format disagree."""
    if not path.exists():
        raise InputError("file not found", file=name)
    if path.is_dir():
        raise InputError("is a folder, not a survey export file", file=name)
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if not head.strip():
        raise InputError("the file is empty (no header, no rows)", file=name)
    by_magic = sniff_container(head)
    by_ext = _EXT.get(path.suffix.lower())
    kind = by_magic or "text"
    if by_magic in ("zip",) or (by_magic is None and by_ext in ("xlsx", "xls", "spss", "stata")):
        got = _WHAT[by_magic] if by_magic else "text, not " + _WHAT[by_ext]
        raise InputError(f"the content does not match the extension {path.suffix!r}: it is {got}",
                         file=name)
    if by_magic is not None and by_ext is not None and by_ext != by_magic:
        raise InputError(
            f"the content does not match the extension {path.suffix!r}: it is {_WHAT[by_magic]}; "
            f"rename the file or pass format={_FMT_FOR[by_magic]!r}", file=name)
    want = {"csv": ("text",), "excel": ("xlsx", "xls"), "spss": ("spss",), "stata": ("stata",)}.get(fmt)
    if want is not None and kind not in want:
        raise InputError(f"format={fmt!r} does not match the content: it is {_WHAT[kind]}", file=name)
    if fmt in PLATFORMS and kind not in ("text", "xlsx", "xls"):
        raise InputError(f"format={fmt!r} does not match the content: it is {_WHAT[kind]}", file=name)
    return kind


def platform_layout(grid: list, kind: str, fmt: str, name: str, *, dictionary=None) -> Layout:
    """The layout of a text/Excel grid: the named platform's, or the detected one."""
    base = "csv" if kind == "text" else "excel"
    if limesurvey.is_structure(grid):
        raise InputError("this is a LimeSurvey survey structure file (questions and answers), not "
                         "a response export", file=name)
    if fmt == "auto":
        if qualtrics.looks_like(grid):
            return qualtrics.layout(grid)
        if surveymonkey.looks_like(grid):
            return surveymonkey.layout(grid)
        if dictionary is not None or redcap.looks_like(grid):
            return redcap.layout(grid, dictionary)
        if kobo.looks_like(grid):
            return kobo.layout(grid)
        if limesurvey.looks_like(grid):
            return limesurvey.layout(grid)
        if google_forms.looks_like(grid):
            return google_forms.layout(grid)
        return generic_layout(grid, base)
    if fmt in ("csv", "excel"):
        return generic_layout(grid, base)
    strict = {"qualtrics": qualtrics.looks_like, "surveymonkey": surveymonkey.looks_like}
    if fmt in strict and not strict[fmt](grid):
        raise InputError(f"does not look like a {fmt} export (its header rows do not match); "
                         "pass format='auto' or the right format", file=name)
    if fmt not in strict and (qualtrics.looks_like(grid) or surveymonkey.two_header_rows(grid)):
        other = "qualtrics" if qualtrics.looks_like(grid) else "surveymonkey"
        raise InputError(f"format={fmt!r} does not match the content: it is a {other} export", file=name)
    return {
        "qualtrics": qualtrics.layout, "surveymonkey": surveymonkey.layout, "kobo": kobo.layout,
        "limesurvey": limesurvey.layout, "google_forms": google_forms.layout,
        "redcap": lambda g: redcap.layout(g, dictionary),
    }[fmt](grid)
