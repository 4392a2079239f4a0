"""Streaming scoring for survey exports larger than memory.

:func:`score_stream` reads a CSV or Parquet export in chunks of ``chunk_rows`` rows with pyarrow
(``pyarrow.csv.open_csv``, ``pyarrow.parquet.ParquetFile.iter_batches``), and for each chunk

1. maps columns to items once, from the header, with the same rules as :func:`engagesurvey.read_responses`
   (``engagesurvey.io.mapping.match_columns``; a ``mapping=`` overrides them);
2. recodes answer labels to codes with ``engagesurvey.io.mapping.resolve_values`` applied to the
   distinct values of each column (dictionary-encoded by Arrow, so a label is looked up once per chunk,
   not once per cell); missing codes become NaN and are logged;
3. scores with :func:`engagesurvey.scoring.score_block`, the row-wise core of
   :func:`engagesurvey.score` (range check, reverse keys ``min + max - x``, minimum-valid rules, the
   missing-score log and the reconciliation), so streamed scores are identical to in-memory ones;
4. writes scores, the reconciliation and the logs in chunks (format by the extension of ``out_path``)
   and merges the chunk's :class:`~engagesurvey.moments.Moments` of the recoded, reverse-keyed scored
   items into a running total (Chan, Golub & LeVeque 1979: exact, whatever the chunk size).

Only one chunk is in memory at a time (plus 16 bytes per respondent to check that ids are unique).
Careless-response indices (which need the whole sample) are not computed; run them on the moments or
a sample. The distributed variant is :func:`engagesurvey.dask_backend.score_dask`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._results import ResultMixin
from .errors import EngageSurveyError, InputError
from .instrument import Instrument, load_instrument
from .io import detect
from .io._layout import find_column, generic_layout
from .io.csvtext import decode_bytes, sniff_delimiter
from .io.mapping import load_mapping, match_columns, resolve_values
from .io.responses import LOG_COLUMNS, _raise_problems
from .moments import Moments
from .safe import DANGEROUS, neutralise
from .scoring import check_min_valid, score_block

__all__ = ["StreamResult", "score_large", "score_stream"]

_PARQUET = (".parquet", ".pq", ".parq")
_TEXT = (".csv", ".tsv", ".txt", ".tab")
_RECON_COLUMNS = ["row", "status", "reason", "n_items_answered", "n_scales_scored"]
_SCORE_LOG_COLUMNS = ["row", "scale", "n_valid", "needed", "reason"]


@dataclass
class StreamResult(ResultMixin):
    """The outcome of :func:`score_stream` (the scores themselves are in the files written).

    Attributes
    ----------
    out_path : the scores file.
    reconciliation : dict of counts, ``read = scored + partial + excluded``.
    moments : Moments of the recoded, reverse-keyed scored items (listwise over complete rows; the
        pairwise statistics over every row), with ``.groups`` when ``group`` was given.
    paths : dict naming every file written: scores, reconciliation, log (missing scores), read_log
        (answers set to missing while reading).
    item_columns : dict item id -> column of the export.
    n_chunks, seconds : chunks processed and wall time.
    """

    out_path: str
    reconciliation: dict
    moments: Moments
    paths: dict
    item_columns: dict
    instrument: Instrument
    n_chunks: int = 0
    seconds: float = float("nan")
    source: str | None = None
    extra: dict = field(default_factory=dict)

    def counts(self) -> dict:
        return dict(self.reconciliation)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"status": list(self.reconciliation), "rows": list(self.reconciliation.values())})

    def summary(self) -> str:
        c = self.reconciliation
        rate = c["read"] / self.seconds if self.seconds and self.seconds > 0 else float("nan")
        lines = [
            f"Streamed scores for {self.instrument.id} v{self.instrument.version} from {self.source}",
            f"rows read {c['read']}: scored {c['scored']}, partial {c['partial']}, excluded {c['excluded']}",
            f"{self.n_chunks} chunk(s) in {self.seconds:.1f} s ({rate:,.0f} rows/s)",
            f"moments: {self.moments.n} complete rows over {len(self.moments.columns)} items"
            + (f", {len(self.moments.groups)} groups by {self.moments.group!r}" if self.moments.groups else ""),
        ]
        lines += [f"  {k}: {v}" for k, v in self.paths.items()]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------ reading


def _source_kind(path: Path, name: str) -> str:
    if not path.exists():
        raise InputError("file not found", file=name)
    if path.is_dir():
        raise InputError("is a folder, not a survey export file", file=name)
    ext = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return "parquet"
    if ext in _PARQUET:
        raise InputError("the content does not match the extension: not a Parquet file", file=name)
    if ext not in _TEXT:
        raise InputError(f"streaming reads CSV/TSV or Parquet exports, not {ext or 'a file without extension'!r}; "
                         "use read_responses for other formats", file=name)
    detect.container(path, name, "auto")  # rejects Excel/SPSS content behind a .csv name
    return "text"


class _Source:
    """An export opened for streaming: its layout (for the column -> item mapping) and a chunk reader."""

    def __init__(self, path: Path):
        self.path, self.name = path, path.name
        self.kind = _source_kind(path, self.name)
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            try:
                self._pf = pq.ParquetFile(path)
            except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError, ArrowIOError an OSError
                raise InputError(f"not a readable Parquet file ({exc})", file=self.name) from None
            names = list(self._pf.schema_arrow.names)
            self.layout = generic_layout([names], "parquet")
            self.layout.n_header = 0
        else:
            self._open_text()

    def _open_text(self):
        with open(self.path, "rb") as fh:
            raw = fh.read(256_000)
        more = len(raw) == 256_000
        if more:
            raw = raw[: raw.rfind(b"\n") + 1] or raw
        text, enc = decode_bytes(raw, self.name)
        self.delimiter = sniff_delimiter(text)
        self.encoding = {"utf-8-sig": "utf8", "utf-8": "utf8"}.get(enc, enc)
        try:
            grid = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter) if r]
        except csv.Error as exc:
            raise InputError(f"not a readable delimited text file ({exc})", file=self.name) from None
        grid = [[c.replace("\ufeff", "") for c in r] for r in grid[:200]]
        if more and len(grid) > 1:
            grid = grid[:-1]
        if not grid:
            raise InputError("the file is empty (no header, no rows)", file=self.name)
        self.layout = detect.platform_layout(grid, "text", "auto", self.name)
        if len(grid) <= self.layout.n_header:
            raise InputError(f"no data rows: the file has only its header ({self.layout.n_header} header row(s))",
                             file=self.name)

    def batches(self, columns: list, chunk_rows: int):
        """pyarrow Tables of exactly ``chunk_rows`` rows (the last one shorter) holding ``columns``."""
        import pyarrow as pa

        if self.kind == "parquet":
            it = self._pf.iter_batches(batch_size=chunk_rows, columns=columns)
        else:
            import pyarrow.csv as pacsv

            ropts = pacsv.ReadOptions(column_names=self.layout.names, skip_rows=self.layout.n_header,
                                      encoding=self.encoding, block_size=1 << 24)
            popts = pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True)
            copts = pacsv.ConvertOptions(column_types={c: pa.string() for c in columns}, include_columns=columns,
                                         null_values=[""], strings_can_be_null=True,
                                         quoted_strings_can_be_null=True)
            try:
                it = pacsv.open_csv(self.path, read_options=ropts, parse_options=popts, convert_options=copts)
            except pa.ArrowInvalid as exc:
                raise InputError(f"not a readable delimited text file ({exc})", file=self.name) from None
        pending, n_pending = [], 0
        while True:
            try:
                batch = next(it)
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise InputError(f"not a readable delimited text file ({exc}); is the delimiter right, "
                                 "or is a quote missing?", file=self.name) from None
            if batch.num_rows == 0:
                continue
            pending.append(batch)
            n_pending += batch.num_rows
            while n_pending >= chunk_rows:
                table = pa.Table.from_batches(pending)
                yield table.slice(0, chunk_rows).combine_chunks()
                rest = table.slice(chunk_rows)
                pending, n_pending = rest.to_batches(), rest.num_rows
        if n_pending:
            yield pa.Table.from_batches(pending).combine_chunks()


# ------------------------------------------------------------------------------------------ one chunk


@dataclass
class _ChunkOut:
    scores: object  # pyarrow Table
    reconciliation: object  # pyarrow Table
    log: pd.DataFrame
    read_log: pd.DataFrame
    moments: Moments
    counts: dict
    ids: tuple | None  # (uint64 hashes, absolute rows, values) of the non-missing ids


class ChunkScorer:
    """Everything needed to score one chunk; small and picklable, so Dask workers can use it too."""

    def __init__(self, inst: Instrument, layout, found: dict, *, name, id_column=None, group=None,
                 min_valid=None, csv_out=False):
        self.inst, self.name, self.id_column, self.group = inst, name, id_column, group
        self.min_valid, self.csv_out = check_min_valid(min_valid), csv_out
        all_items = inst.all_items()
        self.items = [(iid, layout.names[found[iid]]) for iid in all_items if iid in found]
        self.scales = {iid: inst.response_scales[all_items[iid].response_scale] for iid, _ in self.items}
        self.choices = {col: layout.choices.get(col) for _, col in self.items}
        self.labels = {col: layout.value_labels.get(col) for _, col in self.items}
        self.moment_items = [iid for iid, _ in self.items if iid in inst.items and inst.items[iid].scale is not None] \
            or [iid for iid, _ in self.items if iid in inst.items]  # no scored scale: every item
        meta = [c for c in (id_column, group) if c is not None]
        self.columns = list(dict.fromkeys([col for _, col in self.items] + meta))

    # -- recoding: resolve_values on the distinct values of each column, applied with one take
    def recode(self, table, offset: int):
        import pyarrow as pa
        import pyarrow.compute as pc

        n = table.num_rows
        rows = np.arange(offset + 1, offset + n + 1, dtype=np.int64)
        x = np.full((n, len(self.items)), np.nan)
        problems = {"unknown": [], "out_of_range": [], "label_conflict": []}
        read_log = []
        for j, (iid, col) in enumerate(self.items):
            data = table.column(col).combine_chunks()
            enc = data if pa.types.is_dictionary(data.type) else pc.dictionary_encode(data)
            idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            uniq = enc.dictionary.to_pylist()
            keep = [k for k, v in enumerate(uniq) if not _blank(v)]
            table_k = resolve_values([uniq[k] for k in keep], self.scales[iid],
                                     choices=self.choices[col], labels=self.labels[col])
            lut = np.full(len(uniq) + 1, np.nan)  # last slot: missing (-1)
            for k in keep:
                lut[k] = table_k[uniq[k]][0]
            x[:, j] = lut[idx]
            for k in keep:
                code, event = table_k[uniq[k]]
                if event == "ok":
                    continue
                hit = np.flatnonzero(idx == k)
                v = uniq[k]
                if event == "missing_code":
                    read_log.append(pd.DataFrame({
                        "row": rows[hit], "column": iid, "value": str(v), "event": "missing_code",
                        "message": f"missing code {v!r} of item {iid!r} set to missing"}))
                else:
                    problems[event].append((col, v, int(hit.size), int(rows[hit[0]]), code, self.scales[iid]))
        if any(problems.values()):
            _raise_problems(problems, self.name, self.inst, list(table.column_names))
        values = pd.DataFrame(x, index=pd.Index(rows, name="row"), columns=[iid for iid, _ in self.items])
        log = pd.concat(read_log, ignore_index=True) if read_log else pd.DataFrame(columns=LOG_COLUMNS)
        return values, log

    def run(self, table, offset: int) -> _ChunkOut:
        import pyarrow as pa

        values, read_log = self.recode(table, offset)
        block = score_block(values, self.inst, source=self.name, min_valid=self.min_valid)
        items = block.items
        if self.group is not None:
            items = items[self.moment_items].assign(**{_GROUP: _to_pandas(table.column(self.group)).to_numpy()})
            mom = Moments.from_frame(items, group=_GROUP, columns=self.moment_items)
            mom.group = self.group
        else:
            mom = Moments.from_frame(items, columns=self.moment_items)
        rows = pa.array(values.index.to_numpy(), pa.int64())
        out = {"row": rows}
        for c in (self.id_column, self.group):
            if c is not None and c not in out:
                out[c] = _safe_text(table.column(c)) if self.csv_out else table.column(c)
        for sc in block.scores.columns:
            out[sc] = pa.array(block.scores[sc].to_numpy(), pa.float64())
        rec = block.reconciliation
        recon = pa.table({"row": rows, "status": pa.array(rec["status"].to_numpy(dtype=object), pa.string()),
                          "reason": pa.array(rec["reason"].to_numpy(dtype=object), pa.string()),
                          "n_items_answered": pa.array(rec["n_items_answered"].to_numpy(), pa.int64()),
                          "n_scales_scored": pa.array(rec["n_scales_scored"].to_numpy(), pa.int64())})
        status = rec["status"].to_numpy(dtype=object)
        counts = {"read": len(status), **{s: int((status == s).sum()) for s in ("scored", "partial", "excluded")}}
        ids = None
        if self.id_column is not None:
            col = table.column(self.id_column)
            ok = col.is_valid().to_numpy(zero_copy_only=False).astype(bool)
            if pa.types.is_integer(col.type):
                vals = col.drop_null().to_numpy().astype(np.int64)
            else:
                vals = _to_pandas(col).to_numpy(dtype=object)[ok]
            ids = (pd.util.hash_array(vals), values.index.to_numpy()[ok], vals)
        return _ChunkOut(pa.table(out), recon, block.log, read_log, mom, counts, ids)


_GROUP = "\x00group"


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "") or (isinstance(v, float) and np.isnan(v))


def _to_pandas(col) -> pd.Series:
    s = col.to_pandas()
    return s.astype(object).where(s.notna(), None) if s.dtype == object or pd.api.types.is_string_dtype(s) else s


def _safe_text(col):
    """Neutralise formula injection (``engagesurvey.safe``) in a text column, touching only risky cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
        return col
    risky = None
    for ch in DANGEROUS:
        hit = pc.starts_with(col, ch)
        risky = hit if risky is None else pc.or_(risky, hit)
    if not pc.any(risky).as_py():
        return col
    vals = col.to_numpy(zero_copy_only=False).astype(object)
    mask = risky.to_numpy(zero_copy_only=False).astype(object) == True
    vals[mask] = [neutralise(v) for v in vals[mask]]
    return pa.array(vals, col.type)


# ------------------------------------------------------------------------------------------ writing


class _Writer:
    """A chunked CSV or Parquet writer to a temporary name, renamed into place by :meth:`finish`."""

    def __init__(self, path: Path, fmt: str, schema=None):
        self.path, self.fmt, self.tmp = path, fmt, path.with_name(path.name + ".partial")
        self._w, self._schema = None, schema

    def write(self, table):
        if self._w is None:
            self._open(self._schema or table.schema)
        if table.num_rows:
            if table.schema != self._schema:
                table = table.select(self._schema.names).cast(self._schema)
            if self.fmt == "csv":
                table = table.rename_columns(self._names)
            self._w.write_table(table)

    def _open(self, schema):
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        self._schema = schema
        if self.fmt == "parquet":
            self._w = pq.ParquetWriter(self.tmp, schema)
        else:
            self._names = [neutralise(n) for n in schema.names]
            out_schema = schema
            for k, n in enumerate(self._names):
                out_schema = out_schema.set(k, schema.field(k).with_name(n))
            self._w = pacsv.CSVWriter(self.tmp, out_schema)

    def finish(self):
        if self._w is None:
            self._open(self._schema)
        self._w.close()
        os.replace(self.tmp, self.path)

    def abort(self):
        if self._w is not None:
            with contextlib.suppress(OSError, ValueError):  # best-effort clean-up after an error
                self._w.close()
        if self.tmp.exists():
            self.tmp.unlink()


def _log_table(df: pd.DataFrame, columns: list, ints: tuple):
    import pyarrow as pa

    arrays = {}
    for c in columns:
        if c in ints:
            arrays[c] = pa.array(df[c].to_numpy(dtype=np.int64), pa.int64())
        else:  # distinct texts neutralised once, then indexed back to the lines
            codes, uniq = pd.factorize(df[c])
            texts = np.array([neutralise(str(v)) for v in uniq] + [None], dtype=object)
            arrays[c] = pa.array(texts[codes], pa.string())
    return pa.table(arrays)


def _log_schema(columns, ints):
    import pyarrow as pa

    return pa.schema([(c, pa.int64() if c in ints else pa.string()) for c in columns])


def output_paths(out_path: Path) -> tuple[str, dict]:
    """(format, {scores, reconciliation, log, read_log}) for an output path ``<out>.csv|.parquet``."""
    ext = out_path.suffix.lower()
    if ext not in (".csv", ".parquet"):
        raise EngageSurveyError(f"out_path must end in .csv or .parquet, got {out_path.name!r}")
    if not out_path.parent.is_dir():
        raise EngageSurveyError(f"the folder for {out_path.name!r} does not exist: {out_path.parent}")
    fmt = ext[1:]
    stem = out_path.with_suffix("")
    return fmt, {"scores": out_path, "reconciliation": Path(f"{stem}.reconciliation{ext}"),
                 "log": Path(f"{stem}.log.csv"), "read_log": Path(f"{stem}.read_log.csv")}


# ------------------------------------------------------------------------------------------ ids


class _IdCheck:
    """Unique respondent ids across chunks: sorted 64-bit hashes and their rows (16 bytes per id)."""

    def __init__(self, name, column):
        self.name, self.column = name, column
        self.h = np.empty(0, np.uint64)
        self.r = np.empty(0, np.int64)

    def add(self, ids):
        if ids is None or not len(ids[0]):
            return
        h, r, vals = ids
        order = np.argsort(h, kind="stable")
        hs = h[order]
        dup_in = np.flatnonzero(hs[1:] == hs[:-1])
        pos = np.searchsorted(self.h, h)
        seen = (pos < len(self.h)) & (self.h[np.minimum(pos, len(self.h) - 1)] == h) if len(self.h) else \
            np.zeros(len(h), bool)
        if dup_in.size or seen.any():
            cand = []
            if seen.any():
                k = int(np.flatnonzero(seen)[0])
                cand.append((int(r[k]), int(self.r[pos[k]]), vals[k]))
            if dup_in.size:
                a, b = sorted((int(order[dup_in[0]]), int(order[dup_in[0] + 1])))
                if vals[a] == vals[b]:
                    cand.append((int(r[b]), int(r[a]), vals[b]))
            if cand:
                row, first, value = min(cand)
                value = value.item() if isinstance(value, np.generic) else value
                raise InputError(f"respondent id occurs more than once: {value!r} (rows {first}, {row})",
                                 file=self.name, row=row, column=self.column, value=value)
        allh = np.concatenate([self.h, h])
        o = np.argsort(allh, kind="stable")
        self.h, self.r = allh[o], np.concatenate([self.r, r])[o]


# ------------------------------------------------------------------------------------------ public


def prepare(source_layout, name, inst: Instrument, *, id_column=None, group=None, mapping=None):
    """(found {item: column index}, id column, group column) for a layout, checked as read_responses does."""
    entries = load_mapping(mapping, inst)
    found = match_columns(source_layout, inst, entries, name)
    names = list(source_layout.names)
    empty = pd.DataFrame(columns=names)
    if id_column is not None:
        if id_column in names:
            idc = id_column
        elif id_column in source_layout.headings:
            idc = names[source_layout.headings.index(id_column)]
        else:
            raise InputError("id column not found", file=name, column=id_column)
    else:
        idc = find_column(empty, source_layout.id_candidates) if source_layout.id_candidates else None
    if group is not None and group not in names:
        raise InputError("group column not found", file=name, column=group)
    item_cols = {names[j] for j in found.values()}
    for what, c in (("id", idc), ("group", group)):
        if c is not None and c in item_cols:
            raise InputError(f"the {what} column is an item column", file=name, column=c)
    return found, idc, group


def score_stream(path, instrument, out_path, *, chunk_rows: int = 100_000, group=None, id_column=None,
                 mapping=None, min_valid=None) -> StreamResult:
    """Score a CSV or Parquet export larger than memory, chunk by chunk, writing scores as it goes.

    Parameters
    ----------
    path : CSV/TSV (one header row, or a platform layout recognised by ``read_responses``) or Parquet.
    instrument : Instrument, bundled id or YAML path.
    out_path : ``<out>.csv`` or ``<out>.parquet``: the scores (columns ``row``, the id and group columns,
        one column per scale). Written beside it: ``<out>.reconciliation.csv|.parquet`` (every row:
        status, reason), ``<out>.log.csv`` (one line per missing score, as ``ScoreResult.log``) and
        ``<out>.read_log.csv`` (answers set to missing while reading, as ``Responses.log``). Files are
        written under a ``.partial`` name and renamed when the whole file has been scored.
    chunk_rows : rows per chunk (memory grows with it: about ``chunk_rows x items x 60`` bytes).
    group : a column; ``.moments.groups`` then holds one Moments per group value.
    id_column, mapping : as :func:`engagesurvey.read_responses`; ids must be unique across the file.
    min_valid : as :func:`engagesurvey.score`.

    Scores, reconciliation and log equal ``score(read_responses(path, instrument), instrument)`` row for
    row (rows are numbered from 1 across chunks, as ``Responses.data``'s index); ``.moments`` equals
    ``Moments.from_frame`` of ``ScoreResult.items`` restricted to the scored items (Chan et al. 1979
    merging; checked to 1e-10 in tests/test_stream.py). Text cells written to CSV are neutralised
    against formula injection (``engagesurvey.safe``).

    Raises
    ------
    InputError naming the file, the absolute row, the column and the value (unknown labels and
    out-of-range codes are reported with their counts within the chunk where they are first met).
    """
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise EngageSurveyError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
    t0 = time.perf_counter()
    inst = load_instrument(instrument)
    src = _Source(Path(path))
    fmt, paths = output_paths(Path(out_path))
    found, idc, group = prepare(src.layout, src.name, inst, id_column=id_column, group=group, mapping=mapping)
    scorer = ChunkScorer(inst, src.layout, found, name=src.name, id_column=idc, group=group,
                         min_valid=min_valid, csv_out=fmt == "csv")
    writers = {
        "scores": _Writer(paths["scores"], fmt),
        "reconciliation": _Writer(paths["reconciliation"], fmt),
        "log": _Writer(paths["log"], "csv", _log_schema(_SCORE_LOG_COLUMNS, ("row", "n_valid", "needed"))),
        "read_log": _Writer(paths["read_log"], "csv", _log_schema(LOG_COLUMNS, ())),
    }
    ids = _IdCheck(src.name, idc)
    counts = {"read": 0, "scored": 0, "partial": 0, "excluded": 0}
    moments, offset, n_chunks = None, 0, 0
    try:
        for table in src.batches(scorer.columns, int(chunk_rows)):
            res = scorer.run(table, offset)
            ids.add(res.ids)
            writers["scores"].write(res.scores)
            writers["reconciliation"].write(res.reconciliation)
            if len(res.log):
                writers["log"].write(_log_table(res.log, _SCORE_LOG_COLUMNS, ("row", "n_valid", "needed")))
            if len(res.read_log):
                writers["read_log"].write(_log_table(res.read_log, LOG_COLUMNS, ("row",)))
            moments = res.moments if moments is None else moments.merge(res.moments)
            for k in counts:
                counts[k] += res.counts[k]
            offset += table.num_rows
            n_chunks += 1
        if moments is None:
            raise InputError("no data rows: the file has only its header", file=src.name)
        for w in writers.values():
            w.finish()
    except BaseException:
        for w in writers.values():
            w.abort()
        raise
    return StreamResult(out_path=str(paths["scores"]), reconciliation=counts, moments=moments,
                        paths={k: str(v) for k, v in paths.items()},
                        item_columns={iid: col for iid, col in scorer.items}, instrument=inst,
                        n_chunks=n_chunks, seconds=time.perf_counter() - t0, source=str(path))


def score_large(export, instrument, out_dir, *, out_format: str = "csv", chunk_rows: int = 100_000, group=None,
                id_column=None, mapping=None, min_valid=None, dask=None) -> StreamResult:
    """What ``engagesurvey score EXPORT --stream`` / ``--dask SCHEDULER`` runs (the CLI prints the result).

    Writes ``out_dir/scores.<out_format>`` and its companions with :func:`score_stream`, or with
    :func:`engagesurvey.dask_backend.score_dask` when ``dask`` is given: a scheduler address
    (``tcp://host:8786``) or ``"local"`` for a LocalCluster on this machine (2 workers).
    """
    if out_format not in ("csv", "parquet"):
        raise EngageSurveyError(f"out_format must be 'csv' or 'parquet', got {out_format!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"scores.{out_format}"
    if dask is None:
        return score_stream(export, instrument, out, chunk_rows=chunk_rows, group=group, id_column=id_column,
                            mapping=mapping, min_valid=min_valid)
    from .dask_backend import score_dask

    kw = {"group": group, "id_column": id_column, "mapping": mapping, "min_valid": min_valid}
    if dask == "local":
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            return score_dask(str(export), instrument, out, scheduler=client, **kw)
    return score_dask(str(export), instrument, out, scheduler=dask, **kw)
