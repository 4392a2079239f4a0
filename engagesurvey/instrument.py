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
    if not (path.suffix in (".yaml", ".yml") or path.exists()):
        path = folder / f"{text}.yaml"
        if not path.exists():
            raise InstrumentError(f"unknown {kind} {text!r}; bundled {kind}s: {', '.join(known())}")
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
    """Validate a parsed instrument definition and build the :class:`Instrument`."""
    return _Builder(raw, source).build()


_TOP_FIELDS = {
    "id", "version", "title", "description", "provenance", "licence", "license", "response_scales",
    "scales", "items", "attention_checks", "constant_sums", "reverse_keyed",
}


class _Builder:
    """Validates the raw YAML structure field by field; every error names file and field."""

    def __init__(self, raw, source):
        self.raw = raw
        self.source = source

    def fail(self, where: str, msg: str):
        raise InstrumentError(f"{self.source}: {where}: {msg}")

    def bilingual(self, value, where: str, *, required=True) -> dict:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(where, "needs texts in both languages as {id: ..., en: ...}")
        missing = [lang for lang in LANGS if not str(value.get(lang) or "").strip()]
        if missing:
            self.fail(where, f"missing the {' and '.join(missing)} text (both 'id' and 'en' are required)")
        return {k: str(v) for k, v in value.items()}

    def ident(self, value, where: str) -> str:
        if not isinstance(value, str) or not _ID_RE.match(value):
            self.fail(where, f"{value!r} is not a valid identifier (letters, digits, _ . -)")
        return value

    def build(self) -> Instrument:
        raw = self.raw
        if not isinstance(raw, dict):
            self.fail("(top level)", "an instrument file must be a mapping of fields")
        unknown = sorted(set(raw) - _TOP_FIELDS)
        if unknown:
            self.fail(unknown[0], f"unknown field (known: {', '.join(sorted(_TOP_FIELDS))})")
        for req in ("id", "version", "title", "provenance", "response_scales", "items"):
            if req not in raw:
                self.fail(req, "required field is missing")
        if "licence" not in raw and "license" not in raw:
            self.fail("licence", "required field is missing")
        iid = self.ident(raw["id"], "id")
        title = self.bilingual(raw["title"], "title")
        desc = self.bilingual(raw.get("description"), "description", required=False)
        rscales = self.response_scales(raw["response_scales"])
        scales, sub_of = self.scales(raw.get("scales") or [])
        reverse_keyed = raw.get("reverse_keyed") or []
        if not isinstance(reverse_keyed, list):
            self.fail("reverse_keyed", "must be a list of item ids")
        items = self.items(raw["items"], rscales, scales, sub_of, set(reverse_keyed))
        for k, rid in enumerate(reverse_keyed):
            if rid not in items:
                self.fail(f"reverse_keyed[{k}]", f"reverse key on unknown item {rid!r}")
        checks = self.attention(raw.get("attention_checks") or [], rscales, items)
        sums = self.constant_sums(raw.get("constant_sums") or [], items, rscales)
        for sc in scales.values():
            sc.items = [i.id for i in items.values() if (i.subscale if sc.parent else i.scale) == sc.id]
        for sc in scales.values():
            if len(sc.items) < 2:
                self.fail(f"scales '{sc.id}'", f"a scale needs at least 2 items, found {len(sc.items)}")
            if not isinstance(sc.min_valid, float) and sc.min_valid > len(sc.items):
                self.fail(f"scales '{sc.id}'.min_valid",
                          f"needs {sc.min_valid} answered items but the scale has only {len(sc.items)}")
        self.unique_columns({**items, **{c.id: c for c in checks}})
        return Instrument(
            id=iid, version=str(raw["version"]), title=title, description=desc,
            provenance=str(raw["provenance"]), licence=str(raw.get("licence", raw.get("license"))),
            response_scales=rscales, items=items, scales=scales, attention_checks=checks,
            constant_sums=sums, source=self.source, raw=raw,
        )

    def response_scales(self, block) -> dict:
        if not isinstance(block, dict) or not block:
            self.fail("response_scales", "must be a non-empty mapping of named response scales")
        out = {}
        for name, spec in block.items():
            where = f"response_scales.{name}"
            self.ident(name, where)
            if not isinstance(spec, dict):
                self.fail(where, "must be a mapping")
            label = self.bilingual(spec.get("label"), f"{where}.label", required=False)
            if "numeric" in spec:
                num = spec["numeric"]
                if not isinstance(num, dict) or "min" not in num or "max" not in num:
                    self.fail(f"{where}.numeric", "needs {min: ..., max: ...}")
                lo, hi = self.number(num["min"], f"{where}.numeric.min"), self.number(
                    num["max"], f"{where}.numeric.max"
                )
                if lo >= hi:
                    self.fail(f"{where}.numeric", f"min {lo} must be below max {hi}")
                out[name] = ResponseScale(id=name, label=label, min=lo, max=hi, numeric=True)
                continue
            opts = spec.get("options")
            if not isinstance(opts, list) or len(opts) < 2:
                self.fail(f"{where}.options", "needs at least 2 options (or use numeric: {min, max})")
            rng = spec.get("range")
            if rng is not None and (not isinstance(rng, list) or len(rng) != 2):
                self.fail(f"{where}.range", "must be [min, max]")
            options, seen = [], set()
            for k, o in enumerate(opts):
                ow = f"{where}.options[{k}]"
                if not isinstance(o, dict) or "code" not in o:
                    self.fail(ow, "an option needs a code and a label")
                code = self.number(o["code"], f"{ow}.code")
                if code in seen:
                    self.fail(f"{ow}.code", f"duplicate option code {o['code']!r}")
                seen.add(code)
                if rng is not None and not (float(rng[0]) <= code <= float(rng[1])):
                    self.fail(f"{ow}.code", f"option code {o['code']!r} is outside the scale's range {rng}")
                aliases = o.get("aliases") or []
                if not isinstance(aliases, list):
                    self.fail(f"{ow}.aliases", "must be a list")
                options.append(
                    Option(code=code, label=self.bilingual(o.get("label"), f"{ow}.label"),
                           aliases=tuple(str(a) for a in aliases))
                )
            self.check_ambiguous(options, where)
            codes = [o.code for o in options]
            lo, hi = (float(rng[0]), float(rng[1])) if rng is not None else (min(codes), max(codes))
            missing = spec.get("missing_codes") or []
            out[name] = ResponseScale(
                id=name, options=tuple(options), label=label, min=lo, max=hi,
                missing_codes=tuple(self.number(m, f"{where}.missing_codes") for m in missing),
            )
        return out

    def check_ambiguous(self, options, where):
        seen: dict = {}
        codes = {normalise_label(_code_text(o.code)): o.code for o in options}
        for o in options:
            for name in {normalise_label(x) for x in [*o.label.values(), *o.aliases]}:
                if name in codes and codes[name] != o.code:
                    self.fail(where, f"label or alias {name!r} of code {o.code:g} is the code of another option")
                if name in seen and seen[name] != o.code:
                    self.fail(where, f"label or alias {name!r} names two codes ({seen[name]:g} and {o.code:g})")
                seen[name] = o.code

    def number(self, value, where) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"{value!r} is not a number")
        return float(value)

    def scales(self, block):
        if not isinstance(block, list):
            self.fail("scales", "must be a list of scales")
        scales: dict[str, Scale] = {}
        sub_of: dict[str, str] = {}
        allowed = {"id", "label", "scoring", "min_valid", "total", "subscales"}
        for k, s in enumerate(block):
            where = f"scales[{k}]"
            if not isinstance(s, dict) or "id" not in s:
                self.fail(where, "a scale needs an id")
            sid = self.ident(s["id"], f"{where}.id")
            extra = sorted(set(s) - allowed)
            if extra:
                self.fail(f"{where}.{extra[0]}", "unknown field")
            if sid in scales:
                self.fail(f"{where}.id", f"duplicate scale id {sid!r}")
            scoring, min_valid = self.rule(s, where, "mean", 0.5)
            if not isinstance(s.get("total", True), bool):
                self.fail(f"{where}.total", f"must be true or false, got {s.get('total')!r}")
            sc = Scale(id=sid, label=self.bilingual(s.get("label"), f"{where}.label"), items=[],
                       scoring=scoring, min_valid=min_valid, total=bool(s.get("total", True)))
            scales[sid] = sc
            for j, sub in enumerate(s.get("subscales") or []):
                sw = f"{where}.subscales[{j}]"
                if not isinstance(sub, dict) or "id" not in sub:
                    self.fail(sw, "a subscale needs an id")
                bid = self.ident(sub["id"], f"{sw}.id")
                if bid in scales:
                    self.fail(f"{sw}.id", f"duplicate scale id {bid!r}")
                extra = sorted(set(sub) - (allowed - {"subscales", "total"}))
                if extra:
                    self.fail(f"{sw}.{extra[0]}", "unknown field")
                sscoring, smin = self.rule(sub, sw, scoring, min_valid)
                scales[bid] = Scale(id=bid, label=self.bilingual(sub.get("label"), f"{sw}.label"),
                                    items=[], scoring=sscoring, min_valid=smin, parent=sid)
                sub_of[bid] = sid
                sc.subscales.append(bid)
        return scales, sub_of

    def rule(self, spec, where, scoring, min_valid):
        scoring = spec.get("scoring", scoring)
        if scoring not in SCORING_RULES:
            self.fail(f"{where}.scoring", f"{scoring!r} is not one of {', '.join(SCORING_RULES)}")
        mv = spec.get("min_valid", min_valid)
        if isinstance(mv, bool) or not isinstance(mv, (int, float)) or mv <= 0 or (
            isinstance(mv, float) and mv > 1 and not float(mv).is_integer()
        ):
            self.fail(f"{where}.min_valid", f"{mv!r} must be a share in (0, 1] or a whole number of items")
        if isinstance(mv, float) and mv > 1:
            mv = int(mv)
        return scoring, mv

    def items(self, block, rscales, scales, sub_of, reverse_keyed) -> dict:
        if not isinstance(block, list) or not block:
            self.fail("items", "must be a non-empty list")
        allowed = {"id", "text", "scale", "subscale", "response_scale", "reverse", "aliases", "required"}
        items: dict[str, Item] = {}
        for k, it in enumerate(block):
            where = f"items[{k}]"
            if not isinstance(it, dict) or "id" not in it:
                self.fail(where, "an item needs an id")
            iid = self.ident(it["id"], f"{where}.id")
            extra = sorted(set(it) - allowed)
            if extra:
                self.fail(f"{where}.{extra[0]}", f"unknown field in item {iid!r}")
            if iid in items:
                self.fail(f"{where}.id", f"duplicate item id {iid!r}")
            text = self.bilingual(it.get("text"), f"{where}.text (item {iid!r})")
            rs = it.get("response_scale")
            if rs not in rscales:
                self.fail(f"{where}.response_scale", f"item {iid!r} names unknown response scale {rs!r}")
            scale, sub = it.get("scale"), it.get("subscale")
            if scale is not None and (scale not in scales or scales[scale].parent is not None):
                self.fail(f"{where}.scale", f"item {iid!r} names unknown scale {scale!r}")
            if sub is not None:
                if sub_of.get(sub) is None:
                    self.fail(f"{where}.subscale", f"item {iid!r} names unknown subscale {sub!r}")
                if scale is None:
                    scale = sub_of[sub]
                elif sub_of[sub] != scale:
                    self.fail(f"{where}.subscale", f"subscale {sub!r} is not part of scale {scale!r}")
            reverse = it.get("reverse", False)
            if not isinstance(reverse, bool):
                self.fail(f"{where}.reverse", f"must be true or false, got {reverse!r}")
            aliases = it.get("aliases") or []
            if not isinstance(aliases, list):
                self.fail(f"{where}.aliases", "must be a list")
            r = rscales[rs]
            items[iid] = Item(
                id=iid, text=text, response_scale=rs, scale=scale, subscale=sub,
                reverse=reverse or iid in reverse_keyed, min=r.min, max=r.max,
                aliases=tuple(str(a) for a in aliases), required=bool(it.get("required", True)),
            )
        return items

    def unique_columns(self, items: dict) -> None:
        """An item id or alias may name one item only (it is how export columns find their item)."""
        owner: dict = {}
        for it in items.values():
            for name in (it.id, *it.aliases):
                key = normalise_label(name)
                if key in owner and owner[key] != it.id:
                    self.fail(f"items '{it.id}'.aliases", f"column name {name!r} also names item {owner[key]!r}")
                owner[key] = it.id

    def attention(self, block, rscales, items) -> list:
        if not isinstance(block, list):
            self.fail("attention_checks", "must be a list")
        out = []
        for k, a in enumerate(block):
            where = f"attention_checks[{k}]"
            if not isinstance(a, dict) or "id" not in a:
                self.fail(where, "an attention check needs an id")
            aid = self.ident(a["id"], f"{where}.id")
            if aid in items or any(x.id == aid for x in out):
                self.fail(f"{where}.id", f"duplicate item id {aid!r}")
            rs = a.get("response_scale")
            if rs not in rscales:
                self.fail(f"{where}.response_scale", f"unknown response scale {rs!r}")
            passes = a.get("pass")
            if not isinstance(passes, list) or not passes:
                self.fail(f"{where}.pass", "needs a list of the codes that pass the check")
            codes = rscales[rs].codes()
            for p in passes:
                if self.number(p, f"{where}.pass") not in codes:
                    self.fail(f"{where}.pass", f"code {p!r} is not an option of {rs!r}")
            r = rscales[rs]
            out.append(Item(
                id=aid, text=self.bilingual(a.get("text"), f"{where}.text"), response_scale=rs,
                min=r.min, max=r.max, aliases=tuple(str(x) for x in a.get("aliases") or []),
                attention=True, pass_codes=tuple(float(p) for p in passes),
            ))
        return out

    def constant_sums(self, block, items, rscales) -> list:
        if not isinstance(block, list):
            self.fail("constant_sums", "must be a list")
        out = []
        for k, c in enumerate(block):
            where = f"constant_sums[{k}]"
            if not isinstance(c, dict) or "id" not in c:
                self.fail(where, "a constant sum needs an id")
            names = c.get("items")
            if not isinstance(names, list) or len(names) < 2:
                self.fail(f"{where}.items", "needs at least 2 items")
            for n in names:
                if n not in items:
                    self.fail(f"{where}.items", f"unknown item {n!r}")
                if not rscales[items[n].response_scale].numeric:
                    self.fail(f"{where}.items", f"item {n!r} must have a numeric response scale")
            out.append(ConstantSum(
                id=self.ident(c["id"], f"{where}.id"),
                label=self.bilingual(c.get("label"), f"{where}.label", required=False),
                items=list(names), total=self.number(c.get("total", 100), f"{where}.total"),
                tolerance=self.number(c.get("tolerance", 0), f"{where}.tolerance"),
            ))
        return out


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
