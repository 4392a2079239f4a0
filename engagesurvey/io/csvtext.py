"""Delimited text (CSV, TSV, semicolon CSV) into a grid of strings.

Encodings tried in order: UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark, then
Windows-1252 and finally latin-1 (which decodes any byte). A file with NUL bytes (other than UTF-16) or
many control characters is rejected as not text. The delimiter is chosen among ``,``, ``;``, tab and
``|`` as the one that gives the most consistent field count over the first records (quotes respected).
Completely blank lines (no field at all) are skipped; every other record is kept.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputError

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE = 64_000


def decode_bytes(raw: bytes, name: str) -> tuple[str, str]:
    """(text, encoding name) of a text file's bytes, or raise :class:`InputError` if it is not text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError("not a readable UTF-16 text file", file=name) from None
    if b"\x00" in raw[:_SAMPLE]:
        raise InputError("not a text file (it contains binary NUL bytes); is it the right file?", file=name)
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        text, enc = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, enc = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, enc = raw.decode("latin-1"), "latin-1"
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f\v")
    if sample and controls / len(sample) > 0.01:
        raise InputError("not a text file (binary content); is it the right file?", file=name)
    return text, enc


def sniff_delimiter(text: str) -> str:
    """The delimiter giving the most consistent (and largest) field count over the first records."""
    sample = text[:_SAMPLE]
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            rows = []
            for k, r in enumerate(csv.reader(io.StringIO(sample), delimiter=delim)):
                if r:
                    rows.append(len(r))
                if k > 50:
                    break
        except csv.Error:
            continue
        if len(rows) > 2 and len(text) > len(sample):
            rows = rows[:-1]  # the last sampled record may be cut
        if not rows or max(rows) < 2:
            continue
        width = rows[0]
        agree = sum(1 for n in rows if n == width) / len(rows)
        score = (agree, width)
        if score > best_score:
            best, best_score = delim, score
    return best


class _Grid(list):
    """Rows of a regular file read by pyarrow's CSV reader: a list of rows (as the csv module gives)
    that also keeps the whole table of strings, so the body can be used without a Python loop over
    rows. Only the first rows are materialised as lists (the layout is read from them)."""

    def __init__(self, table):
        self.table = table
        super().__init__(self._rows(0, min(10, table.num_rows)))

    def _rows(self, start, stop):
        cols = [c.to_pylist() for c in self.table.slice(start, max(0, stop - start)).columns]
        return [list(r) for r in zip(*cols)] if cols else []

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            return self._rows(start, stop)[::step]
        if key < 0:
            key += len(self)
        if not 0 <= key < len(self):
            raise IndexError(key)
        return self._rows(key, key + 1)[0]

    def __len__(self):
        return self.table.num_rows

    def __iter__(self):
        step = 65536
        for start in range(0, len(self), step):
            yield from self._rows(start, min(len(self), start + step))


def _fast_rows(text: str, delim: str, min_rows: int = 5000):
    """Large regular files through pyarrow's multi-threaded CSV reader (the csv module is ~10x
    slower): every cell kept as a string, as the csv module gives it. ``None`` when the file is small,
    ragged (a record with more or fewer fields than the first), or anything pyarrow cannot read; the
    csv module then reads it."""
    if text.count("\n") < min_rows:
        return None
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv

        width = len(next(csv.reader(io.StringIO(text), delimiter=delim)))
        names = [f"c{j}" for j in range(width)]
        table = pacsv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except Exception:  # noqa: BLE001 - any parser complaint: fall back to the csv module
        return None
    return _Grid(table)


def read_text_grid(path: Path, name: str, *, delimiter: str | None = None) -> tuple[list[list[str]], dict]:
    """All records of a delimited text file as lists of strings, plus facts (encoding, delimiter)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("the file is empty (no header, no rows)", file=name)
    text, enc = decode_bytes(raw, name)
    delim = delimiter or sniff_delimiter(text)
    text = text.replace("\ufeff", "")  # stray byte-order marks inside cells (a LimeSurvey artefact)
    rows = _fast_rows(text, delim)
    if rows is None:  # ragged or unusual files: the csv module reads anything RFC 4180-like
        try:
            rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
        except csv.Error as exc:
            raise InputError(f"not a readable delimited text file ({exc})", file=name) from None
    if not rows:
        raise InputError("the file is empty (no header, no rows)", file=name)
    return rows, {"encoding": enc, "delimiter": delim}
