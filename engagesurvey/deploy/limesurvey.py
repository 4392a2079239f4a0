"""LimeSurvey survey structure (the tab-separated ``.txt`` import format) from an instrument.

Rows as in LimeSurvey's own TSV export (``id related_id class type/scale name relevance text help
language ...``): ``S`` survey settings, ``SL`` survey texts per language, then per group ``G``, ``Q``,
``SQ`` and ``A`` rows, repeated for each language (Indonesian first when both are written).

LimeSurvey question and sub-question codes may hold letters and digits only (no ``_``; a question code
starts with a letter; at most 20 characters; ``time`` is reserved for sub-questions), answer codes at
most 5 (the ``Question`` model's validation rules in LimeSurvey's source). Codes are chosen so that the
response export reads back with no mapping file:

1. a run of items sharing a response scale and an id prefix (``cid_ex1``, ``cid_rq1``) becomes an array
   (type ``F``) coded ``cid`` with sub-questions ``ex1``, ``rq1``: LimeSurvey exports ``cid[ex1]``,
   which the importer reads as ``cid_ex1``;
2. otherwise a sub-question (or a single question) is coded by the item id when that is a valid code,
   or else by an item alias that is one (``PERF14``), which the importer matches as an alias;
3. failing both, the id with the other characters removed; the code -> item list is then written into
   the survey description (``engagesurvey-codes: ...``) and a warning says a mapping is needed
   (:func:`code_mapping` returns it).

Constant sums become a multiple-numerical question (type ``K``) with ``equals_num_value`` set to the
total. Answer codes are the instrument's option codes. Instrument id and version are written into the
survey description (``engagesurvey-instrument: cid 1.0.0``).
"""

from __future__ import annotations

import html
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EngageSurveyError
from ..instrument import Instrument
from . import _plan
from ._plan import check_choice_codes, code_text, metadata_line, num_text, text

BASE_COLUMNS = ["id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
                "validation", "mandatory", "other", "default", "same_default"]
ATTRIBUTE_COLUMNS = ["equals_num_value", "hidden", "max_num_value_n", "min_num_value_n",
                     "num_value_int_only", "random_order"]
COLUMNS = BASE_COLUMNS + ATTRIBUTE_COLUMNS
_QCODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")
_SQCODE = re.compile(r"^[A-Za-z0-9]{1,20}$")
CODES_PREFIX = "engagesurvey-codes"


@dataclass
class Question:
    code: str
    type: str  # F array, L list, K multiple numeric, N numeric
    items: list
    sub_codes: list = field(default_factory=list)  # one per item for F/K
    block: object = None


def valid_qcode(code: str) -> bool:
    return bool(_QCODE.match(code))


def _sq_for(item, suggested, taken_sq):
    """Sub-question code for an item: the suggested rest of the id, an alias, or the cleaned id."""
    for cand in [suggested, item.id, *item.aliases]:
        if cand and _SQCODE.match(cand) and cand.casefold() not in taken_sq and cand.casefold() != "time":
            return cand, cand in (suggested, item.id) or cand in item.aliases
    clean = re.sub(r"[^A-Za-z0-9]", "", item.id)[:20] or "x"
    base, k = clean, 1
    while clean.casefold() in taken_sq or clean.casefold() == "time":
        k += 1
        clean = f"{base[:18]}{k}"
    return clean, False


def _fresh(base: str, taken: set) -> str:
    code = re.sub(r"[^A-Za-z0-9]", "", base)
    if not code or not code[0].isalpha():
        code = "q" + code
    code = code[:18]
    name, k = code, 1
    while name.casefold() in taken:
        k += 1
        name = f"{code}{k}"
    return name


def questions(instrument: Instrument) -> tuple:
    """([(block, [Question, ...]), ...], {column heading: item id} for codes that need a mapping)."""
    taken: set = set()
    mapping: dict = {}
    out = []
    for block in _plan.plan(instrument):
        qs = []
        for run in block.runs(instrument):
            rs = instrument.response_scales[run[0].response_scale]
            multi = len(run) > 1 or block.kind == "constant_sum"
            if not multi:
                it = run[0]
                cands = [it.id, *it.aliases]
                code = next((c for c in cands if valid_qcode(c) and c.casefold() not in taken), None)
                if code is None:
                    code = _fresh(it.id, taken)
                    mapping[code] = it.id
                taken.add(code.casefold())
                qs.append(Question(code=code, type="N" if rs.numeric else "L", items=run, block=block))
                continue
            prefix = _plan.common_prefix([it.id for it in run])
            if prefix and valid_qcode(prefix) and prefix.casefold() not in taken:
                code = prefix
            else:
                code = _fresh(prefix or block.id, taken)
            taken.add(code.casefold())
            subs, taken_sq = [], set()
            for it in run:
                rest = it.id[len(code) + 1:] if it.id.startswith(code + "_") else None
                sq, readable = _sq_for(it, rest, taken_sq)
                taken_sq.add(sq.casefold())
                subs.append(sq)
                if not readable:
                    mapping[f"{code}[{sq}]"] = it.id
            qs.append(Question(code=code, type="K" if rs.numeric else "F", items=run, sub_codes=subs,
                               block=block))
        out.append((block, qs))
    return out, mapping


def code_mapping(instrument: Instrument) -> dict:
    """``{LimeSurvey column heading: item id}`` for codes the importer cannot map by itself (often empty)."""
    return questions(instrument)[1]


def _cell(value) -> str:
    s = "" if value is None else str(value)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br />").replace("\t", " ")
    if s and any(ch in s for ch in ' "\''):
        s = '"' + s.replace('"', '""') + '"'
    return s


def _h(s: str) -> str:
    return html.escape(s, quote=False)


def rows(instrument: Instrument, *, lang: str = "both") -> list:
    """The structure as a list of row dicts (keys from :data:`COLUMNS`)."""
    langs = _plan.check_lang(lang)
    check_choice_codes(instrument, "LimeSurvey")
    for rs_id, rs in _plan.used_response_scales(instrument).items():
        for o in rs.options:
            if len(code_text(o.code)) > 5:
                raise EngageSurveyError(f"response scale {rs_id!r}: option code {o.code:g} is longer than "
                                        "LimeSurvey's 5-character answer codes")
    plan, mapping = questions(instrument)
    if mapping:
        warnings.warn(
            f"LimeSurvey codes allow letters and digits only; {len(mapping)} item(s) of {instrument.id!r} "
            "got codes the importer cannot map by itself: read the export with "
            "mapping=engagesurvey.deploy.limesurvey.code_mapping(instrument)")
    out: list = []
    primary = langs[0]
    survey = [("sid", "1"), ("gsid", "1"), ("admin", "engagesurvey"), ("anonymized", "Y"), ("format", "G"),
              ("savetimings", "Y"), ("template", "vanilla"), ("language", primary),
              ("additional_languages", " ".join(langs[1:])), ("datestamp", "Y"), ("usecookie", "N"),
              ("allowregister", "N"), ("allowsave", "Y"), ("autonumber_start", "0"), ("autoredirect", "N"),
              ("allowprev", "Y"), ("printanswers", "N"), ("ipaddr", "N"), ("refurl", "N"),
              ("showsurveypolicynotice", "0"), ("publicstatistics", "N"), ("publicgraphs", "N"),
              ("listpublic", "N"), ("htmlemail", "Y"), ("tokenanswerspersistence", "N"),
              ("assessments", "N"), ("usecaptcha", "N"), ("usetokens", "N"), ("showxquestions", "N"),
              ("showgroupinfo", "B"), ("shownoanswer", "N"), ("showqnumcode", "X"),
              ("showwelcome", "Y"), ("showprogress", "Y"), ("questionindex", "0"),
              ("navigationdelay", "0"), ("nokeyboard", "N"), ("alloweditaftercompletion", "N")]
    for name, value in survey:
        out.append({"class": "S", "name": name, "text": value})
    meta = f"<p>{_h(metadata_line(instrument))}</p>"
    if mapping:
        meta += "<p>" + _h(f"{CODES_PREFIX}: " + "; ".join(f"{k}={v}" for k, v in mapping.items())) + "</p>"
    for lg in langs:
        desc = text(instrument.description, lg)
        texts = [("surveyls_survey_id", "1"), ("surveyls_language", lg),
                 ("surveyls_title", text(instrument.title, lg)),
                 ("surveyls_description", (f"<p>{_h(desc)}</p>" if desc else "") + meta),
                 ("surveyls_welcometext", ""), ("surveyls_endtext", ""),
                 ("surveyls_dateformat", "5"), ("surveyls_numberformat", "0")]
        for name, value in texts:
            out.append({"class": "SL", "name": name, "text": value, "language": lg})
    qid = 0
    ids: dict = {}
    for gid, (block, qs) in enumerate(plan, start=1):
        for lg in langs:
            out.append({"id": gid, "class": "G", "type/scale": "0", "name": text(block.label, lg) or block.id,
                        "relevance": "1", "text": "", "language": lg})
            for q in qs:
                key = ("Q", q.code)
                if key not in ids:
                    qid += 1
                    ids[key] = qid
                rs = instrument.response_scales[q.items[0].response_scale]
                row = {"id": ids[key], "class": "Q", "type/scale": q.type, "name": q.code, "relevance": "1",
                       "language": lg, "mandatory": "Y" if any(i.required for i in q.items) else "N",
                       "other": "N", "same_default": "0"}
                if q.type in ("F", "K"):
                    row["text"] = _h(text(block.label, lg))
                else:
                    row["text"] = _h(text(q.items[0].text, lg))
                if q.type in ("K", "N"):
                    lo, hi = _plan.numeric_bounds(rs)
                    row["min_num_value_n"] = num_text(lo) if lo is not None else ""
                    row["max_num_value_n"] = num_text(hi) if hi is not None else ""
                    if all(b is None or float(b).is_integer() for b in (lo, hi)):
                        row["num_value_int_only"] = "1"
                if q.type == "K" and block.constant_sum is not None:
                    row["equals_num_value"] = num_text(block.constant_sum.total)
                out.append(row)
                for it, sq in zip(q.items, q.sub_codes):
                    skey = ("SQ", q.code, sq)
                    if skey not in ids:
                        qid += 1
                        ids[skey] = qid
                    out.append({"id": ids[skey], "class": "SQ", "type/scale": "0", "name": sq, "relevance": "1",
                                "text": _h(text(it.text, lg)), "language": lg})
                if not rs.numeric:
                    for o in rs.options:
                        out.append({"id": ids[key], "class": "A", "type/scale": "0", "name": code_text(o.code),
                                    "text": _h(text(o.label, lg)), "language": lg})
    return out


def write_limesurvey(instrument: Instrument, out_path, *, lang: str = "both") -> Path:
    """Write the LimeSurvey TSV survey structure for ``instrument`` to ``out_path`` (UTF-8)."""
    lines = ["\t".join(COLUMNS)]
    for r in rows(instrument, lang=lang):
        lines.append("\t".join(_cell(r.get(c, "")) for c in COLUMNS))
    out = Path(out_path)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def read_metadata(path) -> dict | None:
    """Instrument id/version from a LimeSurvey TSV structure or ``.lss`` file (survey description)."""
    blob = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    return _plan.parse_metadata_line(html.unescape(blob))
