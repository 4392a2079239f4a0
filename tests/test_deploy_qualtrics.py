"""Qualtrics .qsf export: structure of the genuine .qsf files, export tags, recode values, translations."""

from __future__ import annotations

import json

import pytest
from test_deploy_helpers import odd_yaml

from engagesurvey.deploy import export_instrument
from engagesurvey.deploy.qualtrics import export_columns, survey
from engagesurvey.instrument import (
    combine_instruments,
    list_instruments,
    load_instrument,
)

GENUINE = ["QualtricsTools-Sample_Survey.qsf", "QualtricsTools-Single_Answer_Matrix_Questions.qsf"]


def _genuine(exports_dir, name):
    return json.loads((exports_dir / "qualtrics" / name).read_text(encoding="utf-8"))


def _questions(qsf):
    return {e["Payload"]["QuestionID"]: e for e in qsf["SurveyElements"] if e["Element"] == "SQ"}


@pytest.mark.parametrize("name", GENUINE)
def test_same_top_level_structure_as_genuine_qsf(exports_dir, tmp_path, name):
    genuine = _genuine(exports_dir, name)
    ours = json.loads(export_instrument(combine_instruments(["cid", "learning"]), "qualtrics",
                                        tmp_path / "c.qsf").read_text(encoding="utf-8"))
    assert set(ours) == set(genuine) == {"SurveyEntry", "SurveyElements"}
    assert set(genuine["SurveyEntry"]) <= set(ours["SurveyEntry"])
    element_keys = set(genuine["SurveyElements"][0])
    assert all(set(e) == element_keys for e in ours["SurveyElements"])
    kinds = {e["Element"] for e in ours["SurveyElements"]}
    assert {"BL", "FL", "SQ", "SO", "QC"} <= kinds
    assert {e["Element"] for e in genuine["SurveyElements"]} - kinds <= {"NT", "PL", "PROJ"}
    # every question in a block, every block in the flow, the question count right
    bl = next(e for e in ours["SurveyElements"] if e["Element"] == "BL")["Payload"]
    fl = next(e for e in ours["SurveyElements"] if e["Element"] == "FL")["Payload"]
    in_blocks = [b["QuestionID"] for blk in bl for b in blk["BlockElements"]]
    assert sorted(in_blocks) == sorted(_questions(ours))
    assert {f.get("ID") for f in fl["Flow"] if f["Type"] != "EmbeddedData"} == \
        {b["ID"] for b in bl if b["Type"] != "Trash"}
    qc = next(e for e in ours["SurveyElements"] if e["Element"] == "QC")
    assert qc["SecondaryAttribute"] == str(len(in_blocks))


def test_matrix_payload_has_the_genuine_matrix_keys(exports_dir):
    genuine = _genuine(exports_dir, "QualtricsTools-Single_Answer_Matrix_Questions.qsf")
    g_matrix = next(e["Payload"] for e in genuine["SurveyElements"]
                    if e["Element"] == "SQ" and e["Payload"].get("RecodeValues")
                    and isinstance(e["Payload"].get("ChoiceDataExportTags"), dict))
    ours = survey(load_instrument("we"))
    matrix = next(e["Payload"] for e in ours["SurveyElements"] if e["Element"] == "SQ")
    assert set(g_matrix) - {"Language"} <= set(matrix)
    for key in ("QuestionType", "Selector", "SubSelector"):
        assert matrix[key] == g_matrix[key]
    assert set(matrix["Configuration"]) == set(g_matrix["Configuration"])


@pytest.mark.parametrize("iid", list_instruments())
def test_export_columns_are_the_item_ids(iid):
    inst = load_instrument(iid)
    cols = export_columns(survey(inst))
    assert sorted(cols) == sorted(inst.all_items())


def test_recode_values_tags_translations_and_constant_sum():
    inst = combine_instruments(["cid", "learning", "support"])
    qsf = survey(inst)
    qs = [e["Payload"] for e in qsf["SurveyElements"] if e["Element"] == "SQ"]
    cid = next(p for p in qs if p["DataExportTag"] == "cid")
    assert cid["QuestionType"] == "Matrix" and cid["ChoiceDataExportTags"]["1"] == "ex1"
    assert cid["RecodeValues"] == {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5"}
    assert cid["Validation"]["Settings"]["ForceResponse"] == "ON"
    assert cid["Answers"]["4"]["Display"] == "Setuju"  # base language Indonesian
    assert cid["Language"]["EN"]["Answers"]["4"]["Display"] == "Agree"
    assert cid["Language"]["EN"]["Choices"]["1"]["Display"] == inst.items["cid_ex1"].text["en"]
    support = next(p for p in qs if p["DataExportTag"] == "support")
    assert support["RecodeValues"]["1"] == "0" and support["RecodeValues"]["7"] == "6"  # 0-6 codes
    lm = next(p for p in qs if p["DataExportTag"] == "lm")
    assert lm["QuestionType"] == "CS"
    assert lm["Validation"]["Settings"]["Type"] == "ChoicesTotal"
    assert lm["Validation"]["Settings"]["ChoiceTotal"] == "100"
    assert qsf["SurveyEntry"]["SurveyLanguage"] == "ID"
    assert qsf["SurveyEntry"]["SurveyDescription"] == \
        "engagesurvey-instrument: cid+learning+support 1.0.0+1.0.0+1.0.0"
    fl = next(e for e in qsf["SurveyElements"] if e["Element"] == "FL")["Payload"]["Flow"]
    assert fl[0]["EmbeddedData"][0]["Value"] == "cid+learning+support 1.0.0+1.0.0+1.0.0"


def test_single_language_and_items_without_a_shared_prefix(tmp_path):
    inst = load_instrument(odd_yaml(tmp_path))
    qsf = survey(inst, lang="en")
    qs = [e["Payload"] for e in qsf["SurveyElements"] if e["Element"] == "SQ"]
    assert [(p["QuestionType"], p["DataExportTag"]) for p in qs] == [("MC", "A.1"), ("MC", "B-2")]
    assert all(p["Language"] == [] for p in qs)
    assert qs[0]["Choices"]["2"]["Display"] == "Yes" and qs[0]["RecodeValues"] == {"1": "0", "2": "1"}
    assert qsf["SurveyEntry"]["SurveyLanguage"] == "EN"


def test_perf_second_response_scale_falls_back_to_single_questions():
    qs = [e["Payload"] for e in survey(load_instrument("perf"))["SurveyElements"] if e["Element"] == "SQ"]
    assert qs[0]["QuestionType"] == "Matrix" and qs[0]["DataExportTag"] == "perf"
    assert [p["DataExportTag"] for p in qs[1:]] == [f"perf_cw{k}" for k in range(1, 6)]
    assert qs[1]["Choices"]["5"]["Display"] == "Sangat sering"
