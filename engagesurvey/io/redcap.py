"""REDCap records exports with their data dictionary.

The data file is a REDCap "CSV (raw data)" or "CSV (labels)" export: ``record_id`` (or the project's
first field) first, checkbox fields expanded to ``name___code`` columns, ``*_complete`` status columns,
and ``redcap_event_name`` / ``redcap_repeat_instrument`` / ``redcap_repeat_instance`` in longitudinal
and repeating projects (there a record id repeats; a row is identified by record, event and instance).

The data dictionary (``dictionary=`` or found next to the data: ``*-dictionary.csv`` for ``*-data.csv``,
``*_DataDictionary_*.csv`` for ``*_DATA_*.csv``) gives each field's choices,
``"0, Less than 5 | 1, 5-10"``: answers given as labels are turned into their codes, the labels are
recorded, and the field label is an extra name for finding items.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..instrument import normalise_label
from ._layout import Layout, cell_text, derived_keys, unique_names
from .csvtext import read_text_grid

DICT_HEADER = "Variable / Field Name"
EVENT_COLUMNS = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")
_FIXED = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}


def looks_like(grid) -> bool:
    heads = [cell_text(v) for v in grid[0]]
    if not heads:
        return False
    if heads[0] == "record_id" or any(h in EVENT_COLUMNS for h in heads):
        return True
    return sum(h.endswith("_complete") for h in heads) >= 1 and any("___" in h for h in heads)


def find_dictionary(path: Path) -> Path | None:
    """The data dictionary stored next to a REDCap data export, if one can be found."""
    stem, folder = path.stem, path.parent
    tries = []
    for pat, rep in ((r"data$", "dictionary"), (r"DATA", "DataDictionary"), (r"data", "dictionary"),
                     (r"Data", "Dictionary")):
        if re.search(pat, stem):
            tries.append(re.sub(pat, rep, stem, count=1))
    for t in tries:
        for cand in folder.glob(f"{t}*.csv"):
            return cand
    return None


def parse_choices(text: str) -> dict:
    """``"0, Less than 5 | 1, 5-10"`` -> ``{"0": "Less than 5", "1": "5-10"}``."""
    out = {}
    for part in str(text).split("|"):
        part = part.strip()
        if not part:
            continue
        code, _, label = part.partition(",")
        out[code.strip()] = label.strip()
    return out


def read_dictionary(path: Path) -> dict:
    """{field: {"type": ..., "label": ..., "choices": {code: label}}} from a REDCap data dictionary."""
    name = path.name
    if not path.exists():
        raise InputError("REDCap data dictionary not found", file=str(path))
    if path.is_dir():
        raise InputError("dictionary is a folder, not a REDCap data dictionary file", file=str(path))
    rows, _ = read_text_grid(path, name)
    head = rows[0]
    if not head or head[0].strip() != DICT_HEADER:
        raise InputError(f"not a REDCap data dictionary (first heading should be {DICT_HEADER!r})",
                         file=name, column=head[0] if head else None)
    col = {h.strip(): j for j, h in enumerate(head)}
    jt, jl = col.get("Field Type"), col.get("Field Label")
    jc = next((j for h, j in col.items() if h.startswith("Choices")), None)
    fields = {}
    for r in rows[1:]:
        r = r + [""] * (len(head) - len(r))
        ftype = r[jt].strip() if jt is not None else ""
        choices = {}
        if ftype in ("radio", "dropdown", "checkbox") and jc is not None:
            choices = parse_choices(r[jc])
        elif ftype in _FIXED:
            choices = dict(_FIXED[ftype])
        fields[r[0].strip()] = {"type": ftype, "label": r[jl].strip() if jl is not None else "",
                                "choices": choices}
    return fields


def layout(grid, dictionary: dict | None = None) -> Layout:
    log: list = []
    headings = [cell_text(v) for v in grid[0]]
    names = unique_names(headings, log)
    keys, choices, labels = [], {}, {}
    dictionary = dictionary or {}
    for h, name in zip(headings, names):
        ks = derived_keys(h)
        f = dictionary.get(h)
        if f is None and "___" in h:
            base, _, code = h.rpartition("___")
            fb = dictionary.get(base)
            if fb is not None and fb["type"] == "checkbox":
                lab = fb["choices"].get(code)
                labels[name] = {0.0: "Unchecked", 1.0: "Checked"}
                if lab:
                    ks.append(f"{fb['label']} [{lab}]")
        if f is not None:
            if f["label"]:
                ks.append(f["label"])
            if f["choices"]:
                labels[name] = {_num(c): lab for c, lab in f["choices"].items()}
                choices[name] = {normalise_label(lab): c for c, lab in f["choices"].items()}
        keys.append(ks)
    first = next(iter(dictionary), None) or "record_id"
    present = tuple(c for c in EVENT_COLUMNS if c in headings)
    return Layout(format="redcap", names=names, headings=headings, keys=keys, n_header=1, log=log,
                  id_candidates=(first, "record_id"), duration=lambda frame: None, choices=choices,
                  value_labels=labels, id_unique_with=present)


def _num(code: str):
    try:
        return float(code)
    except ValueError:
        return code
