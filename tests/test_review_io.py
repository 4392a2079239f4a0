"""Review fixes: instrument YAML with wrong types, folders named like files, blank SPSS/Stata strings,
mapping CSVs read like data files, single-header SurveyMonkey files."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import engagesurvey.instrument as ins
from engagesurvey.errors import InputError, InstrumentError
from engagesurvey.io import detect, read_responses, surveymonkey
from engagesurvey.io._layout import (
    GENERIC_DURATIONS,
    duration_from_column,
    generic_layout,
)

BASE = {
    "id": "t", "version": "1", "title": {"id": "Uji", "en": "Test"}, "provenance": "test", "licence": "test",
    "response_scales": {
        "agree5": {"range": [1, 5], "options": [
            {"code": c, "label": {"id": f"l{c}", "en": f"L{c}"}} for c in range(1, 6)]},
        "pct": {"numeric": {"min": 0, "max": 100}},
    },
    "scales": [{"id": "s", "label": {"id": "Skala", "en": "Scale"},
                "subscales": [{"id": "s_a", "label": {"id": "A", "en": "A"}},
                              {"id": "s_b", "label": {"id": "B", "en": "B"}}]}],
    "items": [
        {"id": "i1", "subscale": "s_a", "response_scale": "agree5", "text": {"id": "satu", "en": "one"}},
        {"id": "i2", "subscale": "s_a", "response_scale": "agree5", "text": {"id": "dua", "en": "two"}},
        {"id": "i3", "subscale": "s_b", "response_scale": "agree5", "text": {"id": "tiga", "en": "three"}},
        {"id": "i4", "subscale": "s_b", "response_scale": "agree5", "text": {"id": "empat", "en": "four"}},
        {"id": "w", "response_scale": "pct", "text": {"id": "kerja", "en": "work"}},
        {"id": "p", "response_scale": "pct", "text": {"id": "orang", "en": "people"}},
    ],
    "attention_checks": [{"id": "ac", "response_scale": "agree5", "pass": [4],
                          "text": {"id": "pilih", "en": "choose"}}],
    "constant_sums": [{"id": "mix", "items": ["w", "p"], "total": 100}],
}


def _set(path, value):
    def change(d):
        *head, last = path
        for k in head:
            d = d[k]
        d[last] = value
    return change


WRONG_TYPES = [
    (("items", 0, "response_scale"), ["agree5"], r"items\[0\]\.response_scale: \['agree5'\] is not a valid identifier"),
    (("items", 0, "scale"), ["s"], r"items\[0\]\.scale: \['s'\] is not a valid identifier"),
    (("items", 0, "subscale"), ["s_a"], r"items\[0\]\.subscale: \['s_a'\] is not a valid identifier"),
    (("attention_checks", 0, "response_scale"), ["agree5"],
     r"attention_checks\[0\]\.response_scale: \['agree5'\] is not a valid identifier"),
    (("constant_sums", 0, "items"), [["w"], "p"], r"constant_sums\[0\]\.items\[0\]: \['w'\] is not a valid identifier"),
    (("reverse_keyed",), [{"id": "i1"}], r"reverse_keyed\[0\]: \{'id': 'i1'\} is not a valid identifier"),
    (("reverse_keyed",), "i1", r"reverse_keyed: must be a list of item ids, got 'i1'"),
    (("scales", 0, "subscales"), 3, r"scales\[0\]\.subscales: must be a list of subscales, got 3"),
    (("response_scales", "agree5", "missing_codes"), 9,
     r"response_scales\.agree5\.missing_codes: must be a list of codes, got 9"),
    (("response_scales", "agree5", "range"), ["a", "b"], r"response_scales\.agree5\.range: 'a' is not a number"),
    (("attention_checks", 0, "aliases"), "ATT1", r"attention_checks\[0\]\.aliases: must be a list of texts, got 'ATT1'"),
    (("items", 0, "aliases"), "I1", r"items\[0\]\.aliases: must be a list of texts, got 'I1'"),
    (("items", 0, "aliases"), [{"a": 1}], r"items\[0\]\.aliases\[0\]: \{'a': 1\} is not a text"),
    (("response_scales", "agree5", "options", 0, "aliases"), "X",
     r"response_scales\.agree5\.options\[0\]\.aliases: must be a list of texts, got 'X'"),
    (("attention_checks", 0, "bogus"), 1, r"attention_checks\[0\]\.bogus: unknown field in attention check 'ac'"),
    (("items", 0, "required"), "no", r"items\[0\]\.required: must be true or false, got 'no'"),
    (("attention_checks",), {"id": "ac"}, r"attention_checks: must be a list, got \{'id': 'ac'\}"),
]


@pytest.mark.parametrize("path,value,match", WRONG_TYPES, ids=[".".join(map(str, c[0])) + "=" + repr(c[1])
                                                               for c in WRONG_TYPES])
def test_wrong_types_raise_instrument_error(path, value, match):
    raw = copy.deepcopy(BASE)
    _set(path, value)(raw)
    with pytest.raises(InstrumentError, match=r"^x\.yaml: " + match):
        ins.instrument_from_dict(raw, source="x.yaml")


def test_valid_aliases_and_flags_still_read():
    raw = copy.deepcopy(BASE)
    raw["items"][0].update(aliases=["I1", 7], required=False)
    raw["attention_checks"][0]["aliases"] = ["ATT1"]
    raw["response_scales"]["agree5"]["missing_codes"] = [9]
    inst = ins.instrument_from_dict(raw)
    assert inst.items["i1"].aliases == ("I1", "7") and inst.items["i1"].required is False
    assert inst.all_items()["ac"].aliases == ("ATT1",)
    assert inst.response_scales["agree5"].missing_codes == (9.0,)


def test_bundled_id_not_shadowed_by_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "we").mkdir()
    assert ins.load_instrument("we").id == "we"
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(InstrumentError, match=r"x\.yaml: is a folder, not a YAML instrument file"):
        ins.load_instrument("x.yaml")


def _csv(tmp_path, name="data.csv"):
    p = tmp_path / name
    p.write_text("id,a,b\n1,1,2\n2,3,4\n", encoding="utf-8")
    return p


def _inst():
    raw = copy.deepcopy(BASE)
    raw.pop("attention_checks")
    raw.pop("constant_sums")
    raw.pop("scales")
    raw["items"] = [{"id": i, "response_scale": "agree5", "text": {"id": i, "en": i}} for i in ("q1", "q2")]
    return ins.instrument_from_dict(raw)


def test_mapping_folder_is_an_input_error(tmp_path):
    (tmp_path / "map").mkdir()
    with pytest.raises(InputError, match="mapping is a folder"):
        read_responses(_csv(tmp_path), _inst(), mapping=tmp_path / "map")


def test_redcap_dictionary_folder_is_an_input_error(tmp_path):
    (tmp_path / "dict").mkdir()
    with pytest.raises(InputError, match="dictionary is a folder"):
        read_responses(_csv(tmp_path), format="redcap", dictionary=tmp_path / "dict")


@pytest.mark.parametrize("mapping,encoding", [("column;item\na;q1\nb;q2\n", "utf-8"),
                                              ("column,item\nA\xe9,q1\nb,q2\n", "cp1252")])
def test_mapping_csv_semicolon_and_cp1252(tmp_path, mapping, encoding):
    m = tmp_path / "map.csv"
    m.write_bytes(mapping.encode(encoding))
    data = tmp_path / "data.csv"
    data.write_text("id,A\xe9,b\n1,1,2\n2,3,4\n" if encoding == "cp1252" else "id,a,b\n1,1,2\n2,3,4\n",
                    encoding="utf-8")
    res = read_responses(data, _inst(), mapping=m)
    assert res.data["q1"].tolist() == [1.0, 3.0] and res.data["q2"].tolist() == [2.0, 4.0]


def test_mapping_csv_missing_heading_message_kept(tmp_path):
    m = tmp_path / "map.csv"
    m.write_text("col;itm\na;q1\n", encoding="utf-8")
    with pytest.raises(InputError, match="a CSV mapping needs the headings 'column' and 'item'"):
        read_responses(_csv(tmp_path), _inst(), mapping=m)


@pytest.mark.parametrize("ext,writer", [("sav", pyreadstat.write_sav), ("dta", pyreadstat.write_dta)])
def test_blank_strings_in_stat_files_are_missing(tmp_path, ext, writer):
    df = pd.DataFrame({"ResponseId": ["r1", "", " "], "q1": ["l1", "L2", ""], "q2": ["l3", "  ", "l5"]})
    path = tmp_path / f"blank.{ext}"
    writer(df, str(path))
    res = read_responses(path, _inst())
    assert res.data["ResponseId"].isna().tolist() == [False, True, True]
    np.testing.assert_array_equal(res.data["q1"].to_numpy(), [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(res.data["q2"].to_numpy(), [3.0, np.nan, 5.0])


def test_user_missing_log_records_with_labels(tmp_path):
    df = pd.DataFrame({"id": [1.0, 2.0, 3.0, 4.0], "q1": [1.0, 9.0, 8.0, 9.0], "q2": [2.0, 2.0, 2.0, 8.0]})
    path = tmp_path / "m.sav"
    pyreadstat.write_sav(df, str(path), missing_ranges={"q1": [9, 8], "q2": [8]},
                         variable_value_labels={"q1": {9.0: "Tidak tahu"}})
    res = read_responses(path, _inst())
    log = res.log[res.log["event"] == "user_missing"]
    assert log[["row", "column", "value", "message"]].values.tolist() == [
        [2, "q1", 9.0, "SPSS user-missing value 9.0 (Tidak tahu) set to missing"],
        [3, "q1", 8.0, "SPSS user-missing value 8.0 set to missing"],
        [4, "q1", 9.0, "SPSS user-missing value 9.0 (Tidak tahu) set to missing"],
        [4, "q2", 8.0, "SPSS user-missing value 8.0 set to missing"],
    ]
    assert res.data["q1"].isna().tolist() == [False, True, True, True]


def test_surveymonkey_single_header_is_generic_layout():
    grid = [["Respondent ID", "Start Date", "End Date", "grp/q1"], ["1", "", "", "4"]]
    lay = surveymonkey.layout(grid)
    gen = generic_layout(grid, "surveymonkey", id_candidates=("Respondent ID",))
    assert (lay.format, lay.names, lay.headings, lay.keys, lay.n_header, lay.id_candidates) == (
        gen.format, gen.names, gen.headings, gen.keys, gen.n_header, gen.id_candidates)


def test_explicit_csv_format_reads_generic_duration():
    grid = [["id", "duration", "q1"], ["1", "30", "4"]]
    lay = detect.platform_layout(grid, "text", "csv", "x.csv")
    frame = pd.DataFrame({"id": ["1"], "duration": ["30"], "q1": ["4"]})
    got, col = lay.duration(frame)
    want, wcol = duration_from_column(GENERIC_DURATIONS)(frame)
    assert col == wcol == "duration" and got.tolist() == want.tolist() == [30.0]
