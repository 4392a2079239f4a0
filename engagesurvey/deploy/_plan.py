"""The deployment plan shared by every exporter: which questions go together, in what order, with which
codes.

An instrument is laid out as *blocks* (one per top-level scale, one per constant sum, one per run of
unscored items); each block is cut into *runs* of consecutive items sharing a response scale (a run is
what becomes a matrix/array question on platforms that have them). Attention checks are placed inside
the block whose items share their response scale (preferring the one whose item ids share the check's
prefix), in the middle of the block, so that they are not the first or last statement a respondent sees.

The naming rules that make a platform's export read back with no mapping live here too:

* a run whose item ids share a prefix ``P_`` (``cid_ex1``, ``cid_rq1``...) becomes an array/matrix named
  ``P`` with sub-questions named by the rest (``ex1``): LimeSurvey exports ``cid[ex1]`` and Qualtrics
  exports ``cid_ex1``, both of which the importer maps back to the item id.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..errors import EngageSurveyError
from ..instrument import LANGS, Instrument, Item, ResponseScale

FORMATS = ("xlsform", "limesurvey", "qualtrics", "html")
LANG_CHOICES = ("id", "en", "both")
LANG_NAMES = {"id": "Indonesian", "en": "English"}
META_PREFIX = "engagesurvey-instrument"


def check_lang(lang: str) -> tuple:
    """The languages to write, primary first (Indonesian is primary when both are written)."""
    if lang not in LANG_CHOICES:
        raise EngageSurveyError(f"lang must be one of {', '.join(LANG_CHOICES)}, got {lang!r}")
    return LANGS if lang == "both" else (lang,)


def text(d: dict | None, lang: str) -> str:
    """A bilingual text in one language (falling back to the other, then '')."""
    if not d:
        return ""
    if isinstance(d, str):
        return d
    other = "en" if lang == "id" else "id"
    return str(d.get(lang) or d.get(other) or "").strip()


def code_text(code: float) -> str:
    """An option code as platforms store it: ``4`` not ``4.0``."""
    return str(int(code)) if float(code).is_integer() else repr(float(code))


def metadata(instrument: Instrument) -> dict:
    """What travels with every form: instrument id, version and the parts of a combined instrument."""
    return {"id": instrument.id, "version": str(instrument.version),
            "parts": {k: str(v) for k, v in getattr(instrument, "parts", {}).items()}}


def metadata_line(instrument: Instrument) -> str:
    """``engagesurvey-instrument: cid 1.0.0`` (parts joined with ``+`` for a combined instrument)."""
    return f"{META_PREFIX}: {instrument.id} {instrument.version}"


_META_RE = re.compile(re.escape(META_PREFIX) + r":\s*(?P<id>[^\s<\"]+)\s+(?P<version>[^\s<\"]+)")


def parse_metadata_line(blob: str) -> dict | None:
    m = _META_RE.search(blob)
    if not m:
        return None
    return _split_parts(m.group("id"), m.group("version"))


def _split_parts(iid: str, version: str) -> dict:
    ids, versions = iid.split("+"), version.split("+")
    parts = dict(zip(ids, versions)) if len(ids) == len(versions) else {iid: version}
    return {"id": iid, "version": version, "parts": parts}


def response_scale(instrument: Instrument, item: Item) -> ResponseScale:
    return instrument.response_scales[item.response_scale]


def used_response_scales(instrument: Instrument) -> dict:
    """The response scales that items or attention checks use, by id."""
    used = {it.response_scale for it in instrument.all_items().values()}
    return {rid: rs for rid, rs in instrument.response_scales.items() if rid in used}


def check_choice_codes(instrument: Instrument, fmt: str) -> None:
    """Platforms store answer codes as text; they must be plain whole numbers to survive a round trip."""
    for rid, rs in used_response_scales(instrument).items():
        for o in rs.options:
            if not (float(o.code).is_integer() and o.code >= 0):
                raise EngageSurveyError(
                    f"response scale {rid!r}: option code {o.code:g} cannot be a {fmt} answer code "
                    "(use whole numbers >= 0)")


# ----------------------------------------------------------------------------------------- blocks


@dataclass
class Block:
    """A page/group of the form: a scale, a constant sum, or a run of unscored items."""

    id: str
    label: dict
    kind: str  # "scale" | "constant_sum" | "items"
    items: list = field(default_factory=list)  # Item objects, attention checks included
    constant_sum: object = None

    def runs(self, instrument: Instrument) -> list:
        """Consecutive items with the same response scale: [[Item, ...], ...]."""
        out: list = []
        for it in self.items:
            if out and out[-1][0].response_scale == it.response_scale:
                out[-1].append(it)
            else:
                out.append([it])
        return out


def _prefix(ids: list) -> str | None:
    """The longest ``P`` such that every id is ``P_rest`` with a non-empty rest."""
    if not ids:
        return None
    first = ids[0]
    cuts = [k for k, ch in enumerate(first) if ch == "_"]
    for k in reversed(cuts):
        p = first[:k]
        if p and all(i.startswith(p + "_") and len(i) > k + 1 for i in ids):
            return p
    return None


def common_prefix(ids: list) -> str | None:
    return _prefix(list(ids))


def plan(instrument: Instrument) -> list:
    """The blocks of an instrument in form order."""
    blocks: list = []
    in_sum = {i: cs for cs in instrument.constant_sums for i in cs.items}
    done_sums: set = set()
    by_scale: dict = {}
    for sid, sc in instrument.scales.items():
        if sc.parent is None:
            b = Block(id=sid, label=sc.label, kind="scale")
            by_scale[sid] = b
    pending: list = []  # unscored items in a run

    def flush():
        if pending:
            ids = [it.id for it in pending]
            pid = _prefix(ids) if len(ids) > 1 else None
            bid = pid or ids[0]
            label = instrument.title if bid == instrument.id or len(instrument.parts) == 1 else {
                "id": "Pertanyaan lain", "en": "Other questions"}
            if pid in instrument.parts and len(instrument.parts) > 1:
                label = {"id": pid, "en": pid}
            blocks.append(Block(id=_unique(bid, blocks), label=label, kind="items", items=list(pending)))
            pending.clear()

    seen_scales: set = set()
    for it in instrument.items.values():
        if it.id in in_sum:
            flush()
            cs = in_sum[it.id]
            if cs.id not in done_sums:
                done_sums.add(cs.id)
                blocks.append(Block(id=_unique(cs.id, blocks), label=cs.label or {"id": cs.id, "en": cs.id},
                                    kind="constant_sum", items=[instrument.items[i] for i in cs.items],
                                    constant_sum=cs))
            continue
        if it.scale is None:
            pending.append(it)
            continue
        flush()
        b = by_scale[it.scale]
        b.items.append(it)
        if it.scale not in seen_scales:
            seen_scales.add(it.scale)
            blocks.append(b)
    flush()
    for chk in instrument.attention_checks.values():
        host = _host(chk, blocks)
        if host is None:
            blocks.append(Block(id=_unique(chk.id, blocks), label={"id": "Pemeriksaan", "en": "Check"},
                                kind="items", items=[chk]))
            continue
        same = [k for k, x in enumerate(host.items) if x.response_scale == chk.response_scale]
        pos = same[len(same) // 2] if same else len(host.items)
        host.items.insert(pos, chk)
    return blocks


def _unique(bid: str, blocks: list) -> str:
    taken = {b.id for b in blocks}
    name, k = bid, 1
    while name in taken:
        k += 1
        name = f"{bid}{k}"
    return name


def _host(chk: Item, blocks: list):
    cands = [b for b in blocks if b.kind != "constant_sum"
             and any(x.response_scale == chk.response_scale for x in b.items)]
    if not cands:
        return None
    head = chk.id.rsplit("_", 1)[0] if "_" in chk.id else None
    for b in cands:
        if head and _prefix([x.id for x in b.items if x.response_scale == chk.response_scale] + [chk.id]):
            return b
    return cands[0]


def numeric_bounds(rs: ResponseScale) -> tuple:
    lo = None if math.isnan(rs.min) else rs.min
    hi = None if math.isnan(rs.max) else rs.max
    return lo, hi


def num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))
