"""Validation of the instrument YAML format (``docs/instruments.md``), field by field.

:class:`Builder` turns the parsed YAML of one instrument into an :class:`~engagesurvey.instrument.Instrument`,
raising :class:`~engagesurvey.errors.InstrumentError` that names the file and the field at the first
problem (a duplicate item id, a reverse key on an unknown item, a scale with fewer than two items, an item
without both languages, an option code outside its scale, ...).
"""

from __future__ import annotations

from .errors import InstrumentError
from .instrument import (
    _ID_RE,
    LANGS,
    SCORING_RULES,
    ConstantSum,
    Instrument,
    Item,
    Option,
    ResponseScale,
    Scale,
    _code_text,
    normalise_label,
)

_TOP_FIELDS = {
    "id", "version", "title", "description", "provenance", "licence", "license", "response_scales",
    "scales", "items", "attention_checks", "constant_sums", "reverse_keyed",
}


class Builder:
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

    def ref(self, value, where: str):
        """An optional reference to a named thing: None, or a valid identifier (so a list fails here)."""
        return None if value is None else self.ident(value, where)

    def list_of(self, value, where: str, what: str = "a list") -> list:
        """``value`` when it is a list ([] when absent); anything else fails naming the field."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, f"must be {what}, got {value!r}")
        return value

    def str_list(self, value, where: str) -> tuple:
        """A list of texts (aliases) as a tuple of str; a single text or a non-list fails."""
        for k, x in enumerate(self.list_of(value, where, "a list of texts")):
            if isinstance(x, bool) or not isinstance(x, (str, int, float)):
                self.fail(f"{where}[{k}]", f"{x!r} is not a text")
        return tuple(str(x) for x in value or [])

    def flag(self, spec: dict, key: str, default: bool, where: str) -> bool:
        """A true/false field; ``"no"``, 0 or a list fail instead of being read as truthy."""
        value = spec.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", f"must be true or false, got {value!r}")
        return value

    def entries(self, block, where: str, what: str, noun: str):
        """(field path, entry, id) of each entry of a list of mappings that each need an id."""
        for k, entry in enumerate(self.list_of(block, where, what)):
            ew = f"{where}[{k}]"
            if not isinstance(entry, dict) or "id" not in entry:
                self.fail(ew, f"{noun} needs an id")
            yield ew, entry, self.ident(entry["id"], f"{ew}.id")

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
        scales, sub_of = self.scales(raw.get("scales"))
        reverse_keyed = self.list_of(raw.get("reverse_keyed"), "reverse_keyed", "a list of item ids")
        for k, rid in enumerate(reverse_keyed):
            self.ident(rid, f"reverse_keyed[{k}]")
        items = self.items(raw["items"], rscales, scales, sub_of, set(reverse_keyed))
        for k, rid in enumerate(reverse_keyed):
            if rid not in items:
                self.fail(f"reverse_keyed[{k}]", f"reverse key on unknown item {rid!r}")
        checks = self.attention(raw.get("attention_checks"), rscales, items)
        sums = self.constant_sums(raw.get("constant_sums"), items, rscales)
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
            if rng is not None:
                if not isinstance(rng, list) or len(rng) != 2:
                    self.fail(f"{where}.range", "must be [min, max]")
                rng = [self.number(x, f"{where}.range") for x in rng]
            options, seen = [], set()
            for k, o in enumerate(opts):
                ow = f"{where}.options[{k}]"
                if not isinstance(o, dict) or "code" not in o:
                    self.fail(ow, "an option needs a code and a label")
                code = self.number(o["code"], f"{ow}.code")
                if code in seen:
                    self.fail(f"{ow}.code", f"duplicate option code {o['code']!r}")
                seen.add(code)
                if rng is not None and not (rng[0] <= code <= rng[1]):
                    self.fail(f"{ow}.code", f"option code {o['code']!r} is outside the scale's range "
                                            f"{spec['range']}")
                options.append(
                    Option(code=code, label=self.bilingual(o.get("label"), f"{ow}.label"),
                           aliases=self.str_list(o.get("aliases"), f"{ow}.aliases"))
                )
            self.check_ambiguous(options, where)
            codes = [o.code for o in options]
            lo, hi = rng if rng is not None else (min(codes), max(codes))
            missing = self.list_of(spec.get("missing_codes"), f"{where}.missing_codes", "a list of codes")
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
        scales: dict[str, Scale] = {}
        sub_of: dict[str, str] = {}
        allowed = {"id", "label", "scoring", "min_valid", "total", "subscales"}
        for where, s, sid in self.entries(block, "scales", "a list of scales", "a scale"):
            extra = sorted(set(s) - allowed)
            if extra:
                self.fail(f"{where}.{extra[0]}", "unknown field")
            if sid in scales:
                self.fail(f"{where}.id", f"duplicate scale id {sid!r}")
            scoring, min_valid = self.rule(s, where, "mean", 0.5)
            sc = Scale(id=sid, label=self.bilingual(s.get("label"), f"{where}.label"), items=[],
                       scoring=scoring, min_valid=min_valid, total=self.flag(s, "total", True, where))
            scales[sid] = sc
            subs = self.entries(s.get("subscales"), f"{where}.subscales", "a list of subscales", "a subscale")
            for sw, sub, bid in subs:
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
        if not block:
            self.fail("items", "must be a non-empty list")
        allowed = {"id", "text", "scale", "subscale", "response_scale", "reverse", "aliases", "required"}
        items: dict[str, Item] = {}
        for where, it, iid in self.entries(block, "items", "a non-empty list", "an item"):
            extra = sorted(set(it) - allowed)
            if extra:
                self.fail(f"{where}.{extra[0]}", f"unknown field in item {iid!r}")
            if iid in items:
                self.fail(f"{where}.id", f"duplicate item id {iid!r}")
            text = self.bilingual(it.get("text"), f"{where}.text (item {iid!r})")
            rs = self.ref(it.get("response_scale"), f"{where}.response_scale")
            if rs not in rscales:
                self.fail(f"{where}.response_scale", f"item {iid!r} names unknown response scale {rs!r}")
            scale = self.ref(it.get("scale"), f"{where}.scale")
            sub = self.ref(it.get("subscale"), f"{where}.subscale")
            if scale is not None and (scale not in scales or scales[scale].parent is not None):
                self.fail(f"{where}.scale", f"item {iid!r} names unknown scale {scale!r}")
            if sub is not None:
                if sub_of.get(sub) is None:
                    self.fail(f"{where}.subscale", f"item {iid!r} names unknown subscale {sub!r}")
                if scale is None:
                    scale = sub_of[sub]
                elif sub_of[sub] != scale:
                    self.fail(f"{where}.subscale", f"subscale {sub!r} is not part of scale {scale!r}")
            reverse = self.flag(it, "reverse", False, where)
            r = rscales[rs]
            items[iid] = Item(
                id=iid, text=text, response_scale=rs, scale=scale, subscale=sub,
                reverse=reverse or iid in reverse_keyed, min=r.min, max=r.max,
                aliases=self.str_list(it.get("aliases"), f"{where}.aliases"),
                required=self.flag(it, "required", True, where),
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
        allowed = {"id", "text", "response_scale", "pass", "aliases"}
        out = []
        for where, a, aid in self.entries(block, "attention_checks", "a list", "an attention check"):
            extra = sorted(set(a) - allowed)
            if extra:
                self.fail(f"{where}.{extra[0]}", f"unknown field in attention check {aid!r}")
            if aid in items or any(x.id == aid for x in out):
                self.fail(f"{where}.id", f"duplicate item id {aid!r}")
            rs = self.ref(a.get("response_scale"), f"{where}.response_scale")
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
                min=r.min, max=r.max, aliases=self.str_list(a.get("aliases"), f"{where}.aliases"),
                attention=True, pass_codes=tuple(float(p) for p in passes),
            ))
        return out

    def constant_sums(self, block, items, rscales) -> list:
        out = []
        for where, c, cid in self.entries(block, "constant_sums", "a list", "a constant sum"):
            names = c.get("items")
            if not isinstance(names, list) or len(names) < 2:
                self.fail(f"{where}.items", "needs at least 2 items")
            for k, n in enumerate(names):
                if self.ident(n, f"{where}.items[{k}]") not in items:
                    self.fail(f"{where}.items", f"unknown item {n!r}")
                if not rscales[items[n].response_scale].numeric:
                    self.fail(f"{where}.items", f"item {n!r} must have a numeric response scale")
            out.append(ConstantSum(
                id=cid,
                label=self.bilingual(c.get("label"), f"{where}.label", required=False),
                items=list(names), total=self.number(c.get("total", 100), f"{where}.total"),
                tolerance=self.number(c.get("tolerance", 0), f"{where}.tolerance"),
            ))
        return out


