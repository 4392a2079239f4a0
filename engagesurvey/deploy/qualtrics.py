"""Qualtrics survey file (``.qsf``, JSON) from an instrument.

Modelled on genuine ``.qsf`` exports: a ``SurveyEntry`` and ``SurveyElements`` with the survey blocks
(``BL``), the flow (``FL``), options (``SO``), scoring, statistics, question count and one ``SQ``
element per question. Each block of the plan (a scale, a constant sum, a run of other items) is a
Qualtrics block.

Export tags make the response CSV carry the item ids: a run of items sharing a response scale and an
id prefix (``cid_ex1``, ``cid_rq1``) becomes a Likert matrix with ``DataExportTag`` ``cid`` and
``ChoiceDataExportTags`` ``ex1``, ``rq1``, which Qualtrics exports as the columns ``cid_ex1``,
``cid_rq1``; any other item is a single-answer question whose ``DataExportTag`` is the item id.
``RecodeValues`` are the instrument's option codes, so a numeric-values export holds the codes (and a
choice-text export holds labels the importer maps back). Constant sums are a constant-sum question with
a ``ChoicesTotal`` validation. When both languages are written the base language is Indonesian (``ID``)
and English (``EN``) is stored as the question translations (``Language``). The instrument id and
version are in ``SurveyEntry.SurveyDescription`` and in an embedded-data field
``engagesurvey_instrument`` set at the start of the flow (so each response carries it).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..instrument import Instrument
from . import _plan
from ._plan import check_choice_codes, code_text, metadata_line, num_text, text

META_FIELD = "engagesurvey_instrument"
QLANG = {"id": "ID", "en": "EN"}
_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _qid(kind: str, seed: str) -> str:
    h = hashlib.sha1(seed.encode("utf-8")).hexdigest()
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n = int(h, 16)
    out = ""
    for _ in range(15):
        n, r = divmod(n, len(alphabet))
        out += alphabet[r]
    return f"{kind}_{out}"


def _display(d: dict, lang: str) -> dict:
    return {"Display": text(d, lang)}


def _force(items) -> dict:
    on = any(i.required for i in items)
    return {"Settings": {"ForceResponse": "ON" if on else "OFF", "ForceResponseType": "ON", "Type": "None"}}


def _translations(langs, build) -> dict | list:
    """Qualtrics keeps translations per question: {"EN": {"QuestionText": ..., "Choices": ...}}."""
    if len(langs) < 2:
        return []
    return {QLANG[lg]: build(lg) for lg in langs[1:]}


def _matrix(qid, tag, block, run, subs, rs, langs):
    base = langs[0]
    ch = {str(k): _display(it.text, base) for k, it in enumerate(run, start=1)}
    ans = {str(k): _display(o.label, base) for k, o in enumerate(rs.options, start=1)}
    return {
        "QuestionText": text(block.label, base), "DefaultChoices": False, "DataExportTag": tag,
        "QuestionType": "Matrix", "Selector": "Likert", "SubSelector": "SingleAnswer",
        "Configuration": {"QuestionDescriptionOption": "UseText", "TextPosition": "inline",
                          "ChoiceColumnWidth": 25, "RepeatHeaders": "none", "WhiteSpace": "OFF",
                          "MobileFirst": True},
        "QuestionDescription": text(block.label, base),
        "Choices": ch, "ChoiceOrder": list(ch), "Validation": _force(run), "GradingData": [],
        "Language": _translations(langs, lambda lg: {
            "QuestionText": text(block.label, lg),
            "Choices": {str(k): _display(it.text, lg) for k, it in enumerate(run, start=1)},
            "Answers": {str(k): _display(o.label, lg) for k, o in enumerate(rs.options, start=1)}}),
        "Answers": ans, "AnswerOrder": [int(k) for k in ans],
        "RecodeValues": {str(k): code_text(o.code) for k, o in enumerate(rs.options, start=1)},
        "ChoiceDataExportTags": {str(k): s for k, s in enumerate(subs, start=1)},
        "NextChoiceId": len(ch) + 1, "NextAnswerId": len(ans) + 1, "QuestionID": qid,
    }


def _single(qid, item, rs, langs):
    base = langs[0]
    ch = {str(k): _display(o.label, base) for k, o in enumerate(rs.options, start=1)}
    return {
        "QuestionText": text(item.text, base), "DefaultChoices": False, "DataExportTag": item.id,
        "QuestionType": "MC", "Selector": "SAVR", "SubSelector": "TX",
        "Configuration": {"QuestionDescriptionOption": "UseText"},
        "QuestionDescription": text(item.text, base)[:100],
        "Choices": ch, "ChoiceOrder": list(ch), "Validation": _force([item]), "GradingData": [],
        "Language": _translations(langs, lambda lg: {
            "QuestionText": text(item.text, lg),
            "Choices": {str(k): _display(o.label, lg) for k, o in enumerate(rs.options, start=1)}}),
        "RecodeValues": {str(k): code_text(o.code) for k, o in enumerate(rs.options, start=1)},
        "NextChoiceId": len(ch) + 1, "NextAnswerId": 1, "QuestionID": qid,
    }


def _number(qid, item, rs, langs):
    base = langs[0]
    lo, hi = _plan.numeric_bounds(rs)
    return {
        "QuestionText": text(item.text, base), "DefaultChoices": False, "DataExportTag": item.id,
        "QuestionType": "TE", "Selector": "SL",
        "Configuration": {"QuestionDescriptionOption": "UseText"},
        "QuestionDescription": text(item.text, base)[:100],
        "Validation": {"Settings": {"ForceResponse": "ON" if item.required else "OFF",
                                    "ForceResponseType": "ON", "Type": "ContentType",
                                    "ContentType": "ValidNumber", "ValidDecimals": "OFF",
                                    "ValidNumber": {"Min": num_text(lo) if lo is not None else "",
                                                    "Max": num_text(hi) if hi is not None else "",
                                                    "NumDecimals": ""}}},
        "GradingData": [], "Language": _translations(langs, lambda lg: {"QuestionText": text(item.text, lg)}),
        "QuestionID": qid,
    }


def _constant_sum(qid, tag, block, subs, langs):
    base, cs = langs[0], block.constant_sum
    ch = {str(k): _display(it.text, base) for k, it in enumerate(block.items, start=1)}
    return {
        "QuestionText": text(block.label, base), "DefaultChoices": False, "DataExportTag": tag,
        "QuestionType": "CS", "Selector": "VRTL", "SubSelector": "TX",
        "Configuration": {"QuestionDescriptionOption": "UseText"},
        "QuestionDescription": text(block.label, base)[:100],
        "Choices": ch, "ChoiceOrder": list(ch),
        "Validation": {"Settings": {"ForceResponse": "ON" if any(i.required for i in block.items) else "OFF",
                                    "Type": "ChoicesTotal", "ChoiceTotal": num_text(cs.total)}},
        "GradingData": [],
        "Language": _translations(langs, lambda lg: {
            "QuestionText": text(block.label, lg),
            "Choices": {str(k): _display(it.text, lg) for k, it in enumerate(block.items, start=1)}}),
        "ChoiceDataExportTags": {str(k): s for k, s in enumerate(subs, start=1)},
        "NextChoiceId": len(ch) + 1, "NextAnswerId": 1, "QuestionID": qid,
    }


def survey(instrument: Instrument, *, lang: str = "both") -> dict:
    """The ``.qsf`` content as a dict."""
    langs = _plan.check_lang(lang)
    check_choice_codes(instrument, "Qualtrics")
    seed = f"{instrument.id} {instrument.version}"
    sid = _qid("SV", seed)
    base = langs[0]
    elements, blocks, flow = [], [], []
    tags: set = set()
    n_q = 0

    def add_question(payload):
        elements.append({"SurveyID": sid, "Element": "SQ", "PrimaryAttribute": payload["QuestionID"],
                         "SecondaryAttribute": payload["QuestionDescription"][:100], "TertiaryAttribute": None,
                         "Payload": payload})

    flow.append({"Type": "EmbeddedData", "FlowID": "FL_2", "EmbeddedData": [
        {"Description": META_FIELD, "Type": "Custom", "Field": META_FIELD, "VariableType": "String",
         "DataVisibility": [], "AnalyzeText": False, "Value": f"{instrument.id} {instrument.version}"}]})
    for k, block in enumerate(_plan.plan(instrument)):
        bid = _qid("BL", f"{seed} block {block.id}")
        members = []
        for run in block.runs(instrument):
            rs = instrument.response_scales[run[0].response_scale]
            prefix = _plan.common_prefix([it.id for it in run])
            grouped = (len(run) > 1 or block.kind == "constant_sum") and prefix and _TAG.match(prefix) \
                and prefix not in tags and (not rs.numeric or block.kind == "constant_sum")
            if grouped:
                n_q += 1
                qid = f"QID{n_q}"
                tags.add(prefix)
                subs = [it.id[len(prefix) + 1:] for it in run]
                if rs.numeric:
                    add_question(_constant_sum(qid, prefix, block, subs, langs))
                else:
                    add_question(_matrix(qid, prefix, block, run, subs, rs, langs))
                members.append(qid)
                continue
            for it in run:
                n_q += 1
                qid = f"QID{n_q}"
                tags.add(it.id)
                add_question(_number(qid, it, rs, langs) if rs.numeric else _single(qid, it, rs, langs))
                members.append(qid)
        blocks.append({"Type": "Default" if k == 0 else "Standard", "SubType": "",
                       "Description": text(block.label, base) or block.id, "ID": bid,
                       "BlockElements": [{"Type": "Question", "QuestionID": q} for q in members],
                       "Options": {"BlockLocking": "false", "RandomizeQuestions": "false"}})
        flow.append({"ID": bid, "Type": "Block" if k == 0 else "Standard", "FlowID": f"FL_{k + 3}"})
    blocks.append({"Type": "Trash", "Description": "Trash / Unused Questions", "ID": _qid("BL", f"{seed} trash"),
                   "BlockElements": []})
    head = [
        {"SurveyID": sid, "Element": "BL", "PrimaryAttribute": "Survey Blocks", "SecondaryAttribute": None,
         "TertiaryAttribute": None, "Payload": blocks},
        {"SurveyID": sid, "Element": "FL", "PrimaryAttribute": "Survey Flow", "SecondaryAttribute": None,
         "TertiaryAttribute": None, "Payload": {"Flow": flow, "Properties": {"Count": len(flow) + 1},
                                                "FlowID": "FL_1", "Type": "Root"}},
        {"SurveyID": sid, "Element": "SO", "PrimaryAttribute": "Survey Options", "SecondaryAttribute": None,
         "TertiaryAttribute": None, "Payload": {
             "BackButton": "true", "SaveAndContinue": "true", "SurveyProtection": "PublicSurvey",
             "BallotBoxStuffingPrevention": "false", "NoIndex": "Yes", "SecureResponseFiles": "true",
             "SurveyExpiration": "None", "SurveyTermination": "DefaultMessage", "Header": "", "Footer": "",
             "ProgressBarDisplay": "Text", "PartialData": "+1 week", "ValidationMessage": "",
             "PreviousButton": " ← ", "NextButton": " → ", "SurveyLanguage": QLANG[base],
             "NewScoring": 1}},
        {"SurveyID": sid, "Element": "SCO", "PrimaryAttribute": "Scoring", "SecondaryAttribute": None,
         "TertiaryAttribute": None, "Payload": {
             "ScoringCategories": [], "ScoringCategoryGroups": [], "ScoringSummaryCategory": None,
             "ScoringSummaryAfterQuestions": 0, "ScoringSummaryAfterSurvey": 0,
             "DefaultScoringCategory": None, "AutoScoringCategory": None}},
        {"SurveyID": sid, "Element": "STAT", "PrimaryAttribute": "Survey Statistics", "SecondaryAttribute": None,
         "TertiaryAttribute": None, "Payload": {"MobileCompatible": True, "ID": "Survey Statistics"}},
        {"SurveyID": sid, "Element": "QC", "PrimaryAttribute": "Survey Question Count",
         "SecondaryAttribute": str(n_q), "TertiaryAttribute": None, "Payload": None},
        {"SurveyID": sid, "Element": "RS", "PrimaryAttribute": _qid("RS", seed),
         "SecondaryAttribute": "Default Response Set", "TertiaryAttribute": None, "Payload": None},
    ]
    entry = {
        "SurveyID": sid, "SurveyName": text(instrument.title, base),
        "SurveyDescription": metadata_line(instrument), "SurveyOwnerID": "UR_engagesurvey",
        "SurveyBrandID": "", "DivisionID": None, "SurveyLanguage": QLANG[base],
        "SurveyActiveResponseSet": _qid("RS", seed), "SurveyStatus": "Inactive",
        "SurveyStartDate": "0000-00-00 00:00:00", "SurveyExpirationDate": "0000-00-00 00:00:00",
        "SurveyCreationDate": "0000-00-00 00:00:00", "CreatorID": "UR_engagesurvey",
        "LastModified": "0000-00-00 00:00:00", "LastAccessed": "0000-00-00 00:00:00",
        "LastActivated": "0000-00-00 00:00:00", "Deleted": None,
    }
    return {"SurveyEntry": entry, "SurveyElements": head + elements}


def write_qualtrics(instrument: Instrument, out_path, *, lang: str = "both") -> Path:
    """Write the ``.qsf`` for ``instrument`` to ``out_path`` (UTF-8 JSON)."""
    out = Path(out_path)
    out.write_text(json.dumps(survey(instrument, lang=lang), ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def export_columns(qsf: dict) -> dict:
    """``{export column: (QuestionID, choice id or None)}`` as Qualtrics names the response columns."""
    cols = {}
    for el in qsf["SurveyElements"]:
        if el.get("Element") != "SQ":
            continue
        p = el["Payload"]
        tags = p.get("ChoiceDataExportTags")
        if p["QuestionType"] in ("Matrix", "CS"):
            for cid in p.get("ChoiceOrder", []):
                sub = tags.get(str(cid)) if isinstance(tags, dict) else str(cid)
                cols[f"{p['DataExportTag']}_{sub}"] = (p["QuestionID"], str(cid))
        else:
            cols[p["DataExportTag"]] = (p["QuestionID"], None)
    return cols


def read_metadata(path) -> dict | None:
    """Instrument id/version from a ``.qsf`` (survey description or the embedded-data field)."""
    try:
        qsf = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except ValueError:
        return None
    found = _plan.parse_metadata_line(str(qsf.get("SurveyEntry", {}).get("SurveyDescription", "")))
    if found:
        return found
    for el in qsf.get("SurveyElements", []):
        if el.get("Element") == "FL":
            for f in el["Payload"].get("Flow", []):
                for ed in f.get("EmbeddedData", []) or []:
                    if ed.get("Field") == META_FIELD and len(str(ed.get("Value", "")).split()) == 2:
                        return _plan._split_parts(*str(ed["Value"]).split())
    return None
