"""Columns -> items, and answer labels -> codes.

Finding an item's column (first rule that finds one wins; two columns found by the same rule is an
error):

0. the user's ``mapping`` ({column heading: item id}, or a YAML/CSV file with ``column,item``);
1. a heading equal to the item id;
2. a heading equal to one of the item's aliases;
3. a heading equal to the id or an alias after :func:`~engagesurvey.instrument.normalise_label`
   (case, repeated spaces, non-breaking spaces and byte-order marks ignored);
4. another name the export gives the column (last segment of a group path ``group/q1``, ``group.q1``;
   LimeSurvey subquestion codes ``Q1[SQ001]``; the ``[Row]`` of a grid question; Qualtrics question
   text and ImportId; a REDCap field label), compared the same way;
5. the item's question text (Indonesian or English) equal to the heading or one of those names.

Answers are read with the item's response scale: option codes (``4``, ``"4"``, ``4.0``), labels in either
language and aliases (:meth:`ResponseScale.lookup`); codes listed in ``missing_codes`` become NaN and are
logged. Numeric response scales take numbers (a decimal comma is accepted when unambiguous) within
``[min, max]``.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputError
from ..instrument import Instrument, normalise_label
from .csvtext import read_text_grid

_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


# ------------------------------------------------------------------------------------------ mapping


def load_mapping(mapping, instrument: Instrument) -> list:
    """[(column heading, item id, where)] from a dict or a YAML/CSV mapping file; items are checked."""
    if mapping is None:
        return []
    entries: list = []
    src = None
    if isinstance(mapping, dict):
        entries = [(str(c), i, None) for c, i in mapping.items()]
    elif isinstance(mapping, (str, Path)):
        path = Path(mapping)
        src = path.name
        if not path.exists():
            raise InputError("mapping file not found", file=str(path))
        if path.is_dir():
            raise InputError("mapping is a folder, not a mapping file (YAML or CSV)", file=str(path))
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise InputError(f"not a readable YAML mapping ({type(exc).__name__})", file=src) from None
            if isinstance(raw, dict) and isinstance(raw.get("columns"), (dict, list)):
                raw = raw["columns"]
            if isinstance(raw, dict):
                entries = [(str(c), i, None) for c, i in raw.items()]
            elif isinstance(raw, list) and all(isinstance(e, dict) for e in raw):
                entries = [(str(e.get("column")), e.get("item"), k + 1) for k, e in enumerate(raw)]
            else:
                raise InputError("a mapping file holds {column: item} pairs or a list of "
                                 "{column: ..., item: ...}", file=src)
        else:
            rows, _ = read_text_grid(path, src)  # encoding and delimiter as for the data files
            head = [h.strip().casefold() for h in rows[0]]
            if "column" not in head or "item" not in head:
                raise InputError("a CSV mapping needs the headings 'column' and 'item'", file=src,
                                 row=1)
            jc, ji = head.index("column"), head.index("item")
            for k, r in enumerate(rows[1:], start=2):
                if not any(x.strip() for x in r):
                    continue
                r = r + [""] * (max(jc, ji) + 1 - len(r))
                entries.append((r[jc].strip(), r[ji].strip(), k))
    else:
        raise InputError(f"mapping must be a dict {{column: item}} or a file path, got {type(mapping).__name__}")
    known = instrument.all_items()
    for col, item, where in entries:
        if not isinstance(item, str) or item not in known:
            close = difflib.get_close_matches(str(item), list(known), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise InputError(f"mapping names an item that is not in instrument {instrument.id!r}{hint}",
                             file=src or "mapping", row=where, column=col, value=item)
    return [(c, i, w, src) for c, i, w in entries]


def _suggest(word: str, names: list) -> list:
    norm = {normalise_label(n): n for n in names}
    hits = difflib.get_close_matches(normalise_label(word), list(norm), n=3, cutoff=0.6)
    return [norm[h] for h in hits]


def match_columns(layout, instrument: Instrument, mapping_entries: list, file: str) -> dict:
    """{item id: column index} for every item found; raise for ambiguity and for missing items."""
    names, headings = layout.names, layout.headings
    found: dict = {}
    for col, item, where, src in mapping_entries:
        idx = [j for j, n in enumerate(names) if n == col]
        if not idx:
            idx = [j for j, h in enumerate(headings) if h == col]
        if not idx:
            idx = [j for j, h in enumerate(headings) if normalise_label(h) == normalise_label(col)]
        if not idx:
            close = _suggest(col, names)
            hint = f"; close headings: {', '.join(map(repr, close))}" if close else ""
            raise InputError(f"mapping names a column that is not in {file}{hint}",
                             file=src or "mapping", row=where, column=col, value=item)
        found[item] = idx[0]
    norm_head = [normalise_label(h) for h in headings]
    norm_name = [normalise_label(n) for n in names]
    norm_keys = [{normalise_label(k) for k in ks} for ks in layout.keys]
    for iid, it in instrument.all_items().items():
        if iid in found:
            continue
        ids_norm = {normalise_label(x) for x in (iid, *it.aliases)}
        texts = {normalise_label(t) for t in it.text.values() if t}
        rules = [
            lambda j: headings[j] == iid or names[j] == iid,
            lambda j: headings[j] in it.aliases,
            lambda j: norm_head[j] in ids_norm or norm_name[j] in ids_norm,
            lambda j: bool(norm_keys[j] & ids_norm),
            lambda j: norm_head[j] in texts or bool(norm_keys[j] & texts),
        ]
        for rule in rules:
            hits = [j for j in range(len(names)) if rule(j)]
            if len(hits) > 1:
                raise InputError(
                    f"item {iid!r} matches {len(hits)} columns: "
                    f"{', '.join(repr(names[j]) for j in hits[:6])}; say which with mapping={{column: item}}",
                    file=file, column=names[hits[0]])
            if hits:
                found[iid] = hits[0]
                break
    used: dict = {}
    for iid, j in found.items():
        if j in used:
            raise InputError(f"column is matched by two items, {used[j]!r} and {iid!r}; "
                             "fix the aliases or give a mapping", file=file, column=names[j])
        used[j] = iid
    missing = [i for i in instrument.items if i not in found]
    if missing:
        pool = list(dict.fromkeys([*names, *(k for ks in layout.keys for k in ks)]))
        parts = []
        for iid in missing:
            it = instrument.items[iid]
            close = []
            for w in (iid, *it.aliases):
                close += [c for c in _suggest(w, pool) if c not in close]
            parts.append(f"{iid!r} (did you mean {', '.join(map(repr, close[:3]))}?)" if close
                         else f"{iid!r}")
        raise InputError(
            f"{len(missing)} instrument item(s) not found among the {len(names)} columns: "
            + "; ".join(parts) + ". Add aliases to the instrument or pass mapping={column: item}",
            file=file)
    return found


# ------------------------------------------------------------------------------------------ recoding


def parse_number(text: str):
    """A float from text, accepting an unambiguous decimal comma; None when not a number."""
    t = text.strip().replace("\u2212", "-")
    if _NUM.match(t):
        return float(t)
    if _COMMA.match(t) and not _THOUSANDS.match(t):
        return float(t.replace(",", "."))
    return None


def resolve_values(values, rs, *, choices=None, labels=None):
    """{raw value: (code or nan, event)} for distinct raw values of one item column.

    events: "ok", "missing_code", "unknown", "out_of_range", "label_conflict".
    """
    lookup = rs.lookup()
    codes = {float(c) for c in rs.codes()}
    missing = {float(c) for c in rs.missing_codes}
    labels = labels or {}
    out = {}
    for v in values:
        num = None
        if isinstance(v, (bool, np.bool_)):
            num = float(v)
        elif isinstance(v, (int, float, np.integer, np.floating)):
            num = float(v)
        if rs.numeric:
            x = num if num is not None else parse_number(str(v))
            if x is None:
                out[v] = (np.nan, "unknown")
            elif x in missing:
                out[v] = (np.nan, "missing_code")
            elif not (rs.min <= x <= rs.max):
                out[v] = (np.nan, "out_of_range")
            else:
                out[v] = (x, "ok")
            continue
        if num is None:
            t = normalise_label(v)
            if choices and t in choices:
                t = normalise_label(choices[t])
            if t in lookup:
                num = float(lookup[t])
            else:
                num = parse_number(t)
                if num is None:
                    lab = labels.get(v)
                    if lab is not None and normalise_label(lab) in lookup:
                        num = float(lookup[normalise_label(lab)])
                    else:
                        out[v] = (np.nan, "unknown")
                        continue
        lab = labels.get(v, labels.get(num))
        if lab is not None and normalise_label(lab) in lookup and float(lookup[normalise_label(lab)]) != num:
            out[v] = (float(lookup[normalise_label(lab)]), "label_conflict")
        elif num in missing:
            out[v] = (np.nan, "missing_code")
        elif num in codes:
            out[v] = (num, "ok")
        else:
            out[v] = (np.nan, "out_of_range")
    return out
