"""XLSForm export: converts with pyxform for every bundled instrument and a combined one."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook
from test_deploy_helpers import odd_yaml

from engagesurvey.deploy import export_instrument
from engagesurvey.deploy.xlsform import sheets
from engagesurvey.instrument import (
    combine_instruments,
    list_instruments,
    load_instrument,
)

pyxform = pytest.importorskip("pyxform")
from pyxform.xls2xform import convert

COMBINED = ["cid", "we", "learning", "rating", "perf"]


def _sheet(path, name):
    rows = list(load_workbook(path)[name].iter_rows(values_only=True))
    head = [str(c) if c is not None else "" for c in rows[0]]
    return [dict(zip(head, r)) for r in rows[1:]]


@pytest.mark.parametrize("iid", list_instruments())
def test_every_bundled_instrument_converts(iid, tmp_path):
    inst = load_instrument(iid)
    path = export_instrument(inst, "xlsform", tmp_path / f"{iid}.xlsx")
    warns: list = []
    result = convert(str(path), warnings=warns)
    assert "<h:html" in result.xform
    survey = _sheet(path, "survey")
    names = {r["name"] for r in survey if r["name"]}
    assert set(inst.all_items()) <= names  # items and attention checks, named by their ids
    settings = _sheet(path, "settings")[0]
    assert settings["form_id"] == inst.id and settings["version"] == inst.version
    for it in inst.all_items().values():
        assert f"/{it.id}\"" in result.xform


def test_combined_instrument_converts_and_passes_odk_validate(tmp_path):
    inst = combine_instruments(COMBINED)
    path = export_instrument(inst, "xlsform", tmp_path / "combined.xlsx")
    validate = shutil.which("java") is not None
    warns: list = []
    result = convert(str(path), warnings=warns, validate=validate)
    assert "<h:html" in result.xform
    names = [r["name"] for r in _sheet(path, "survey")]
    assert set(inst.all_items()) <= set(names)
    assert len({n for n in names if n}) == len([n for n in names if n])  # no duplicate names


def test_survey_rows_codes_groups_and_required(tmp_path):
    inst = combine_instruments(["cid", "rating", "learning"])
    path = export_instrument(inst, "xlsform", tmp_path / "f.xlsx")
    survey, choices = _sheet(path, "survey"), _sheet(path, "choices")
    by_name = {r["name"]: r for r in survey if r["name"]}
    # Likert items: select_one on a list named after the response scale; choice names are the codes
    assert by_name["cid_ex1"]["type"] == "select_one cid_agree5"
    codes = [c["name"] for c in choices if c["list_name"] == "cid_agree5"]
    assert codes == ["1", "2", "3", "4", "5"]
    assert [c["name"] for c in choices if c["list_name"] == "rating_expectation3"] == ["1", "2", "3"]
    # labels in both languages
    first = next(c for c in choices if c["list_name"] == "cid_agree5")
    assert first["label::Indonesian (id)"] == "Sangat Tidak Setuju"
    assert first["label::English (en)"] == "Strongly disagree"
    assert by_name["cid_ex1"]["label::English (en)"] == inst.items["cid_ex1"].text["en"]
    # required as the instrument says (rating items are optional)
    assert by_name["cid_ex1"]["required"] == "yes"
    assert by_name["rating_results"]["required"] in (None, "")
    # the attention check is inside the cid group
    order = [r["name"] for r in survey]
    start, end = order.index("group_cid"), order.index("cid_ow4")
    assert start < order.index("cid_ac") < end
    groups = [r["name"] for r in survey if r["type"] == "begin_group"]
    assert groups == ["group_cid", "group_rating", "group_learning_mix", "group_informal"]
    assert sum(r["type"] == "begin_group" for r in survey) == sum(r["type"] == "end_group" for r in survey)


def test_constant_sum_fields_and_constraint(tmp_path):
    path = export_instrument("learning", "xlsform", tmp_path / "l.xlsx")
    survey = {r["name"]: r for r in _sheet(path, "survey") if r["name"]}
    for name in ("lm_work", "lm_people", "lm_formal"):
        assert survey[name]["type"] == "integer"
        assert survey[name]["constraint"].startswith(". >= 0 and . <= 100")
    assert "${lm_work} + ${lm_people} + ${lm_formal} = 100" in survey["lm_formal"]["constraint"]
    assert survey["learning_mix_total"]["type"] == "calculate"
    assert survey["learning_mix_note"]["type"] == "note"
    xform = convert(str(path)).xform
    assert "/lm_formal" in xform and " = 100" in xform


def test_single_language_and_odd_ids(tmp_path):
    inst = load_instrument(odd_yaml(tmp_path))
    data = sheets(inst, lang="en")
    cols = data["survey"][0]
    assert "label::English (en)" in cols and "label::Indonesian (id)" not in cols
    assert data["settings"][1][0]["default_language"] == "English (en)"
    path = export_instrument(inst, "xlsform", tmp_path / "odd.xlsx", lang="id")
    assert convert(str(path)).xform


def test_genuine_kobo_form_uses_the_same_sheet_layout(exports_dir, tmp_path):
    """Our workbook has the sheets and the select_one convention of a Kobo form-builder download."""
    genuine = load_workbook(exports_dir / "kobo_odk" / "kobocruncher-form_likert.xlsx", read_only=True)
    ours = load_workbook(export_instrument("we", "xlsform", tmp_path / "we.xlsx"))
    assert {"survey", "choices"} <= set(genuine.sheetnames)
    assert {"survey", "choices", "settings"} <= set(ours.sheetnames)
    g_head = [c for c in next(genuine["survey"].iter_rows(values_only=True)) if c]
    assert {"type", "name", "required"} <= set(g_head)
    g_types = {r[g_head.index("type")] for r in genuine["survey"].iter_rows(min_row=2, values_only=True)
               if r and r[g_head.index("type")]}
    assert any(str(t).startswith("select_one ") for t in g_types)
    assert "begin_group" in g_types
    genuine.close()
