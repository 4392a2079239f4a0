"""XLSForm (KoboToolbox, ODK Collect/Central, Ona, Enketo) from an instrument.

One ``survey`` row per item, named by the item id; one ``begin_group``/``end_group`` per block
(``group_<scale>``, ``appearance: field-list``, so a scale is one page); Likert items are
``select_one <list>`` with one choice list per response scale whose choice ``name`` is the option code,
so every export carries the instrument's codes. Labels are written as ``label::Indonesian (id)`` and
``label::English (en)`` columns. Constant sums become ``integer`` fields with ``. >= 0 and . <= 100``, a
``calculate`` of their total, a ``note`` showing it and a constraint on the last field that the total
is met. The ``settings`` sheet has ``form_id`` = instrument id and ``version`` = instrument version; a
hidden ``calculate`` field ``engagesurvey_instrument`` puts the same into every submission.

The result converts with ``pyxform`` (checked for every bundled instrument in the tests). Kobo's CSV
export names the columns ``group_cid/cid_ex1``; the importer maps the last path segment to the item.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..instrument import Instrument
from . import _plan
from ._plan import LANG_NAMES, check_choice_codes, code_text, num_text, text

META_FIELD = "engagesurvey_instrument"


def lang_column(kind: str, lang: str) -> str:
    """``label::Indonesian (id)`` etc."""
    return f"{kind}::{LANG_NAMES[lang]} ({lang})"


def list_name(rid: str) -> str:
    """A choice-list name from a response-scale id (``cid.agree5`` -> ``cid_agree5``)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", rid)
    return name if re.match(r"^[A-Za-z_]", name) else f"l_{name}"


def _xpath_str(s: str) -> str:
    return "'" + s.replace("'", "") + "'"


def sheets(instrument: Instrument, *, lang: str = "both") -> dict:
    """The XLSForm as ``{sheet: [row dict, ...]}`` (survey, choices, settings)."""
    langs = _plan.check_lang(lang)
    check_choice_codes(instrument, "XLSForm")
    labels = [lang_column("label", lg) for lg in langs]
    hints = [lang_column("hint", lg) for lg in langs]
    cmsgs = [lang_column("constraint_message", lg) for lg in langs]

    def lab(d, col="label"):
        return {lang_column(col, lg): text(d, lg) for lg in langs}

    survey: list = [{"type": "calculate", "name": META_FIELD,
                     "calculation": _xpath_str(f"{instrument.id} {instrument.version}")}]
    if instrument.description:
        survey.append({"type": "note", "name": "intro", **lab(instrument.title),
                       **lab(instrument.description, "hint")})
    lists: dict = {}
    list_names: dict = {}
    for block in _plan.plan(instrument):
        gname = f"group_{block.id}"
        survey.append({"type": "begin_group", "name": gname, **lab(block.label),
                       "appearance": "field-list"})
        for it in block.items:
            rs = instrument.response_scales[it.response_scale]
            row = {"name": it.id, **lab(it.text), "required": "yes" if it.required else ""}
            if rs.numeric:
                lo, hi = _plan.numeric_bounds(rs)
                whole = all(b is None or float(b).is_integer() for b in (lo, hi))
                row["type"] = "integer" if whole else "decimal"
                cons = [f". >= {num_text(lo)}" if lo is not None else "",
                        f". <= {num_text(hi)}" if hi is not None else ""]
                cons = [c for c in cons if c]
                if cons:
                    row["constraint"] = " and ".join(cons)
                    rng = f"{num_text(lo) if lo is not None else ''}-{num_text(hi) if hi is not None else ''}"
                    row.update({c: (f"Isi angka {rng}" if lg == "id" else f"Enter a number {rng}")
                                for c, lg in zip(cmsgs, langs)})
            else:
                ln = list_names.get(it.response_scale)
                if ln is None:
                    ln = base = list_name(it.response_scale)
                    k = 1
                    while ln in lists:
                        k += 1
                        ln = f"{base}_{k}"
                    list_names[it.response_scale] = ln
                    lists[ln] = rs
                row["type"] = f"select_one {ln}"
                row["appearance"] = "likert"
            survey.append(row)
        if block.kind == "constant_sum":
            cs = block.constant_sum
            total_name = f"{cs.id}_total"
            refs = [f"${{{i}}}" for i in cs.items]
            survey.append({"type": "calculate", "name": total_name,
                           "calculation": " + ".join(f"coalesce({r}, 0)" for r in refs)})
            survey.append({"type": "note", "name": f"{cs.id}_note",
                           **{c: (f"Jumlah: ${{{total_name}}} (harus {num_text(cs.total)})" if lg == "id"
                                  else f"Total: ${{{total_name}}} (must be {num_text(cs.total)})")
                              for c, lg in zip(labels, langs)}})
            last = next(r for r in reversed(survey) if r.get("name") == cs.items[-1])
            total_rule = f"{' + '.join(refs)} = {num_text(cs.total)}"
            last["constraint"] = f"{last['constraint']} and {total_rule}" if last.get("constraint") else total_rule
            for c, lg in zip(cmsgs, langs):
                last[c] = (f"Ketiga angka harus berjumlah {num_text(cs.total)}" if lg == "id" and len(refs) == 3
                           else f"Angka-angka harus berjumlah {num_text(cs.total)}" if lg == "id"
                           else f"The numbers must add up to {num_text(cs.total)}")
        survey.append({"type": "end_group", "name": ""})
    choices: list = []
    for ln, rs in lists.items():
        for o in rs.options:
            choices.append({"list_name": ln, "name": code_text(o.code), **lab(o.label)})
    primary = langs[0]
    settings = [{"form_title": text(instrument.title, primary), "form_id": instrument.id,
                 "version": str(instrument.version), "default_language": f"{LANG_NAMES[primary]} ({primary})",
                 "style": "pages"}]
    survey_cols = ["type", "name", *labels, *hints, "required", "appearance", "constraint", *cmsgs,
                   "calculation"]
    return {
        "survey": (survey_cols, survey),
        "choices": (["list_name", "name", *labels], choices),
        "settings": (["form_title", "form_id", "version", "default_language", "style"], settings),
    }


def write_xlsform(instrument: Instrument, out_path, *, lang: str = "both") -> Path:
    """Write the XLSForm (``.xlsx``) for ``instrument`` to ``out_path``."""
    from openpyxl import Workbook

    data = sheets(instrument, lang=lang)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, (cols, rows) in data.items():
        ws = wb.create_sheet(sheet)
        ws.append(cols)
        for r in rows:
            ws.append([r.get(c, "") or None for c in cols])
    out = Path(out_path)
    wb.save(out)
    return out


def read_metadata(path) -> dict | None:
    """Instrument id/version from an XLSForm's ``settings`` sheet (and the metadata field)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        found = None
        if "survey" in wb.sheetnames:
            for row in wb["survey"].iter_rows(values_only=True):
                cells = [str(c) for c in row if c is not None]
                if META_FIELD in cells:
                    calc = next((c for c in cells if c.startswith("'")), "")
                    parts = calc.strip("'").split()
                    if len(parts) == 2:
                        found = _plan._split_parts(parts[0], parts[1])
                    break
        if found is None and "settings" in wb.sheetnames:
            rows = list(wb["settings"].iter_rows(values_only=True))
            if len(rows) >= 2:
                head = [str(c).strip() if c is not None else "" for c in rows[0]]
                vals = dict(zip(head, rows[1]))
                if vals.get("form_id") and vals.get("version") is not None:
                    found = _plan._split_parts(str(vals["form_id"]), str(vals["version"]))
        return found
    finally:
        wb.close()
