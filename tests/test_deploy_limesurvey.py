"""LimeSurvey TSV survey structure: the genuine export's layout, LimeSurvey's code rules, both languages."""

from __future__ import annotations

import csv
import re

import pytest
from test_deploy_helpers import limesurvey_headings, odd_yaml

from engagesurvey.deploy import export_instrument
from engagesurvey.deploy.limesurvey import code_mapping, questions
from engagesurvey.errors import EngageSurveyError
from engagesurvey.instrument import (
    combine_instruments,
    list_instruments,
    load_instrument,
)

QCODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")
SQCODE = re.compile(r"^[A-Za-z0-9]{1,20}$")


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_columns_follow_the_genuine_export(exports_dir, tmp_path):
    genuine = (exports_dir / "limesurvey" / "limonaid-testing-export.txt").read_text(encoding="utf-8")
    g_head = [h.strip() for h in genuine.splitlines()[0].split("\t")]
    g_rows = list(csv.DictReader(genuine.splitlines(), delimiter="\t"))
    path = export_instrument("cid", "limesurvey", tmp_path / "cid.txt")
    ours = path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert ours[:14] == g_head[:14]  # id related_id class type/scale name relevance text help language ...
    assert set(ours) <= set(g_head)  # every attribute column is one LimeSurvey writes
    g_classes = [r["class"] for r in g_rows]
    o_classes = [r["class"] for r in _rows(path)]
    # same order of record classes: S..., SL..., then G/Q/(SQ)/A
    for seq in (g_classes, o_classes):
        first_g = seq.index("G")
        assert set(seq[:first_g]) == {"S", "SL"} and seq[0] == "S"
    assert {"G", "Q", "SQ", "A"} <= set(o_classes)
    g_names = {r["name"] for r in g_rows if r["class"] == "S"}
    o_names = {r["name"] for r in _rows(path) if r["class"] == "S"}
    assert o_names <= g_names | {"additional_languages"}


@pytest.mark.parametrize("iid", list_instruments())
def test_codes_follow_limesurvey_rules_and_need_no_mapping(iid, tmp_path):
    inst = load_instrument(iid)
    path = export_instrument(inst, "limesurvey", tmp_path / f"{iid}.txt")
    rows = _rows(path)
    q_codes = [r["name"] for r in rows if r["class"] == "Q" and r["language"] == "id"]
    assert all(QCODE.match(c) for c in q_codes) and len(set(q_codes)) == len(q_codes)
    assert all(SQCODE.match(r["name"]) for r in rows if r["class"] == "SQ")
    assert code_mapping(inst) == {}
    # every item (attention checks included) has exactly one column in the response export
    assert len(limesurvey_headings(path)) == len(inst.all_items())


def test_arrays_answers_and_languages(tmp_path):
    inst = combine_instruments(["cid", "perf", "rating", "learning"])
    path = export_instrument(inst, "limesurvey", tmp_path / "c.txt")
    rows = _rows(path)
    s = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert s["language"] == "id" and s["additional_languages"] == "en"
    for lang in ("id", "en"):
        assert sum(r["class"] == "SL" and r["name"] == "surveyls_title" and r["language"] == lang
                   for r in rows) == 1
    q = {(r["name"], r["language"]): r for r in rows if r["class"] == "Q"}
    assert q[("cid", "id")]["type/scale"] == "F" and q[("cid", "en")]["type/scale"] == "F"
    assert q[("cid", "id")]["mandatory"] == "Y"
    assert q[("rating", "id")]["mandatory"] == "N"
    assert q[("lm", "id")]["type/scale"] == "K" and q[("lm", "id")]["equals_num_value"] == "100"
    assert q[("PREDIKAT", "id")]["type/scale"] == "L"  # a lone item coded by its alias
    heads = limesurvey_headings(path)
    assert "cid[ex1]" in heads and "cid[ac]" in heads and "lm[work]" in heads
    assert "perf2[PERF14]" in heads  # second perf array: sub-questions coded by the item aliases
    # answers: the instrument's codes, labels in each language
    cid_qid = q[("cid", "id")]["id"]
    answers = [(r["name"], r["text"], r["language"]) for r in rows if r["class"] == "A" and r["id"] == cid_qid]
    assert [a[0] for a in answers if a[2] == "id"] == ["1", "2", "3", "4", "5"]
    assert ("4", "Setuju", "id") in answers and ("4", "Agree", "en") in answers
    sub_en = {r["name"]: r["text"] for r in rows if r["class"] == "SQ" and r["language"] == "en"}
    assert sub_en["ex1"] == inst.items["cid_ex1"].text["en"]
    desc = next(r["text"] for r in rows if r["name"] == "surveyls_description" and r["language"] == "id")
    assert "engagesurvey-instrument: cid+perf+rating+learning 1.0.0+1.0.0+1.0.0+1.0.0" in desc


def test_odd_ids_get_recorded_codes_and_a_warning(tmp_path):
    inst = load_instrument(odd_yaml(tmp_path))
    with pytest.warns(UserWarning, match="mapping=engagesurvey.deploy.limesurvey.code_mapping"):
        path = export_instrument(inst, "limesurvey", tmp_path / "odd.txt", lang="en")
    mapping = code_mapping(inst)
    assert mapping == {"s[A1]": "A.1", "s[B2]": "B-2"}
    rows = _rows(path)
    assert {r["language"] for r in rows if r["class"] in ("G", "Q", "SQ", "A")} == {"en"}
    desc = next(r["text"] for r in rows if r["name"] == "surveyls_description")
    assert "engagesurvey-codes: s[A1]=A.1; s[B2]=B-2" in desc
    # HTML-special characters in texts are escaped for LimeSurvey's HTML fields
    sq = [r["text"] for r in rows if r["class"] == "SQ"]
    assert any("&lt;i&gt;two&lt;/i&gt;" in t for t in sq)


def test_answer_codes_longer_than_five_characters_are_refused(tmp_path):
    inst = load_instrument(odd_yaml(tmp_path, with_big=True))
    with pytest.raises(EngageSurveyError, match="option code 123456 is longer than LimeSurvey's 5-character"):
        export_instrument(inst, "limesurvey", tmp_path / "x.txt")


def test_question_plan_for_perf():
    (_block, qs), = questions(load_instrument("perf"))[0]
    assert [(q.code, q.type) for q in qs] == [("perf", "F"), ("perf2", "F")]
    assert qs[0].sub_codes[:5] == ["t1", "t2", "t3", "t4", "t5"] and "ac" in qs[0].sub_codes
