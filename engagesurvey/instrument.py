"""Instruments as data: the YAML questionnaire format, its validation, and psych-style keys.

The format is documented in ``docs/instruments.md``. :func:`load_instrument` reads a bundled instrument
by id or any YAML file by path and validates all of it at once; a malformed file raises
:class:`~engagesurvey.errors.InstrumentError` naming the file and the field.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ._paths import instruments_dir
from .errors import InstrumentError

LANGS = ("id", "en")
SCORING_RULES = ("mean", "sum", "pomp")
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")


def normalise_label(text) -> str:
    """Canonical form of an answer label or column name for matching.

    Unicode NFKC, byte-order marks and non-breaking spaces removed, case folded, runs of white space
    collapsed, surrounding spaces stripped.
    """
    s = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").replace("\u200b", "")
    return " ".join(s.split()).casefold()


# --------------------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Option:
    """One answer option of a response scale."""

    code: float
    label: dict
    aliases: tuple = ()


@dataclass(frozen=True)
class ResponseScale:
    """A response format: labelled options with numeric codes, or a bounded number."""

    id: str
    options: tuple = ()
    label: dict = field(default_factory=dict)
    min: float = math.nan
    max: float = math.nan
    numeric: bool = False
    missing_codes: tuple = ()

    def lookup(self) -> dict:
        """Map every accepted spelling (code, labels, aliases; normalised) to its code."""
        table: dict = {}
        for opt in self.options:
            names = [_code_text(opt.code), *opt.label.values(), *opt.aliases]
            for name in names:
                table.setdefault(normalise_label(name), opt.code)
        return table

    def codes(self) -> list:
        return [o.code for o in self.options]


@dataclass(frozen=True)
class Item:
    """A questionnaire item. ``min``/``max`` are its response range (codes)."""

    id: str
    text: dict
    response_scale: str
    scale: str | None = None
    subscale: str | None = None
    reverse: bool = False
    min: float = math.nan
    max: float = math.nan
    aliases: tuple = ()
    required: bool = True
    attention: bool = False
    pass_codes: tuple = ()


@dataclass
class Scale:
    """A scored scale or subscale: its items and scoring rule."""

    id: str
    label: dict
    items: list
    scoring: str = "mean"
    min_valid: float = 0.5
    parent: str | None = None
    total: bool = True
    subscales: list = field(default_factory=list)


@dataclass
class ConstantSum:
    id: str
    label: dict
    items: list
    total: float = 100.0
    tolerance: float = 0.0


# ------------------------------------------------------------------------------------------ instrument


class Instrument:
    """A validated questionnaire. Build with :func:`load_instrument` or :meth:`from_keys`."""

    def __init__(
        self,
        *,
        id,
        version,
        title,
        items,
        scales,
        response_scales,
        description=None,
        provenance="",
        licence="",
        attention_checks=(),
        constant_sums=(),
        source=None,
        raw=None,
    ):
        self.id = id
        self.version = version
        self.title = title
        self.description = description or {}
        self.provenance = provenance
        self.licence = licence
        self.response_scales: dict[str, ResponseScale] = response_scales
        self.items: dict[str, Item] = items
        self.scales: dict[str, Scale] = scales
        self.attention_checks: dict[str, Item] = {a.id: a for a in attention_checks}
        self.constant_sums: list[ConstantSum] = list(constant_sums)
        self.source = source
        self._raw = raw
        self.parts = {id: version}

    def __repr__(self) -> str:
        return (
            f"Instrument(id={self.id!r}, version={self.version!r}, items={len(self.items)}, "
            f"scales={list(self.scales)})"
        )

    # ---- views
    def keys(self) -> dict[str, list[str]]:
        """psych-style keys for every scored scale: ``{"scale": ["-item", "item", ...]}``."""
        return {
            sid: [("-" if self.items[i].reverse else "") + i for i in sc.items]
            for sid, sc in self.scales.items()
            if self.is_scored(sid)
        }

    def is_scored(self, scale_id: str) -> bool:
        """Whether a scale gets a score column (a scale with ``total: false`` does not)."""
        return self.scales[scale_id].total

    def scored_scales(self) -> list[Scale]:
        return [s for s in self.scales.values() if s.total]

    def all_items(self) -> dict[str, Item]:
        """Items and attention checks, in file order (items first)."""
        return {**self.items, **self.attention_checks}

    def title_in(self, lang: str = "en") -> str:
        return self.title.get(lang) or self.title.get("en") or self.id

    def to_dict(self) -> dict:
        """The instrument as the plain data it was loaded from (for YAML round trips)."""
        if self._raw is not None:
            return self._raw
        return _to_raw(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)

    # ---- construction
    @classmethod
    def from_keys(cls, keys: dict, *, min=None, max=None, id: str = "custom") -> "Instrument":
        """Build an instrument from psych-style keys.

        ``keys`` maps scale names to item names; a leading ``-`` marks a reverse-keyed item, scored as
        ``min + max - x``. The scales score as ``psych::scoreItems(impute = "none")``: the mean of the
        answered items (``min_valid = 1``). ``min``/``max`` are the response range; they are required
        when any item is reversed (psych takes them from the data; pass them explicitly here).
        """
        if not isinstance(keys, dict) or not keys:
            raise InstrumentError("from_keys: keys must be a non-empty dict {scale: [items]}")
        reversed_any = any(str(k).startswith("-") for v in keys.values() for k in v)
        if reversed_any and (min is None or max is None):
            raise InstrumentError("from_keys: min and max are needed to reverse-key items (min + max - x)")
        lo = math.nan if min is None else float(min)
        hi = math.nan if max is None else float(max)
        rs = ResponseScale(id="response", options=(), min=lo, max=hi, numeric=True)
        items: dict[str, Item] = {}
        scales: dict[str, Scale] = {}
        for sname, keyed in keys.items():
            names = []
            for k in keyed:
                k = str(k)
                rev = k.startswith("-")
                name = k[1:] if rev else k
                if not name:
                    raise InstrumentError(f"from_keys: scale {sname!r} has an empty item name")
                prev = items.get(name)
                if prev is not None and prev.reverse != rev:
                    raise InstrumentError(
                        f"from_keys: item {name!r} is keyed both ways across scales; not supported"
                    )
                if prev is None:
                    items[name] = Item(
                        id=name, text={"id": name, "en": name}, response_scale="response",
                        scale=str(sname), reverse=rev, min=lo, max=hi,
                    )
                names.append(name)
            if len(names) < 1:
                raise InstrumentError(f"from_keys: scale {sname!r} has no items")
            scales[str(sname)] = Scale(
                id=str(sname), label={"id": str(sname), "en": str(sname)}, items=names, min_valid=1
            )
        return cls(
            id=id, version="keys", title={"id": id, "en": id}, items=items, scales=scales,
            response_scales={"response": rs}, provenance="built from psych-style keys",
        )


# ----------------------------------------------------------------------------------------- loading


def list_instruments() -> list[str]:
    """Ids of the bundled instruments."""
    return sorted(p.stem for p in instruments_dir().glob("*.yaml"))


def load_instrument(name_or_path) -> Instrument:
    """Load a bundled instrument by id, or a YAML file by path, validating all of it."""
    if isinstance(name_or_path, Instrument):
        return name_or_path
    raw, path = read_definition(name_or_path, instruments_dir(), "instrument", list_instruments)
    return instrument_from_dict(raw, source=str(path))


def read_definition(name_or_path, folder: Path, kind: str, known) -> tuple:
    """Parse a bundled definition (``folder/<id>.yaml``) or a YAML file by path: ``(raw, path)``.

    Shared by instruments and codebooks; a missing file, an unknown id or invalid YAML raises
    :class:`InstrumentError` naming the file (and the YAML line).
    """
    text = str(name_or_path)
    path = Path(text)
    if not (path.suffix in (".yaml", ".yml") or path.is_file()):  # a folder named like an id: the id
        path = folder / f"{text}.yaml"
        if not path.is_file():
            raise InstrumentError(f"unknown {kind} {text!r}; bundled {kind}s: {', '.join(known())}")
    if path.is_dir():
        raise InstrumentError(f"{path}: is a folder, not a YAML {kind} file")
    if not path.exists():
        raise InstrumentError(f"{path}: {kind} file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), path
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InstrumentError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise InstrumentError(f"{path}: not a UTF-8 text file") from None


def instrument_from_dict(raw, *, source="<dict>") -> Instrument:
    """Validate a parsed instrument definition and build the :class:`Instrument`
    (the field-by-field checks live in :mod:`engagesurvey.instrument_format`)."""
    from .instrument_format import Builder

    return Builder(raw, source).build()


def _code_text(code: float) -> str:
    return str(int(code)) if float(code).is_integer() else str(code)


def _to_raw(inst: Instrument) -> dict:
    """Plain-data form of an instrument built in code (e.g. from_keys)."""
    rs = {}
    for name, r in inst.response_scales.items():
        if r.numeric:
            rs[name] = {"numeric": {"min": r.min, "max": r.max}}
        else:
            rs[name] = {"options": [{"code": o.code, "label": o.label, "aliases": list(o.aliases)}
                                    for o in r.options]}
    return {
        "id": inst.id, "version": inst.version, "title": inst.title, "provenance": inst.provenance,
        "licence": inst.licence or "unspecified", "response_scales": rs,
        "scales": [{"id": s.id, "label": s.label, "scoring": s.scoring, "min_valid": s.min_valid}
                   for s in inst.scales.values() if s.parent is None],
        "items": [{"id": i.id, "text": i.text, "scale": i.scale, "response_scale": i.response_scale,
                   "reverse": i.reverse} for i in inst.items.values()],
    }


def combine_instruments(instruments, *, id: str | None = None) -> Instrument:
    """One instrument made of several (a survey export usually carries more than one questionnaire).

    Item and scale ids must be unique across the parts; response scales are renamed ``part.name`` so
    that two parts may each have their own ``agree5``. ``.parts`` records each part's id and version.
    """
    insts = [load_instrument(i) for i in instruments]
    if len(insts) == 1:
        return insts[0]
    items, scales, rscales, checks, sums = {}, {}, {}, [], []
    for inst in insts:
        for rid, rs in inst.response_scales.items():
            rscales[f"{inst.id}.{rid}"] = rs
        for iid, it in inst.all_items().items():
            if iid in items or any(c.id == iid for c in checks):
                raise InstrumentError(f"item id {iid!r} appears in more than one instrument ({inst.id})")
            new = Item(**{**it.__dict__, "response_scale": f"{inst.id}.{it.response_scale}"})
            (checks.append(new) if it.attention else items.__setitem__(iid, new))
        for sid, sc in inst.scales.items():
            if sid in scales:
                raise InstrumentError(f"scale id {sid!r} appears in more than one instrument ({inst.id})")
            scales[sid] = sc
        sums.extend(inst.constant_sums)
    combined = Instrument(
        id=id or "+".join(i.id for i in insts), version="+".join(i.version for i in insts),
        title={lang: " + ".join(i.title.get(lang, i.id) for i in insts) for lang in LANGS},
        items=items, scales=scales, response_scales=rscales, attention_checks=checks,
        constant_sums=sums, provenance="; ".join(f"{i.id}: {i.provenance}" for i in insts),
        licence="; ".join(f"{i.id}: {i.licence}" for i in insts),
    )
    combined.parts = {i.id: i.version for i in insts}
    return combined
