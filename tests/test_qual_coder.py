"""Codebook format and the first-pass coder (suggested codes) on simulated Indonesian/English answers."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from engagesurvey.errors import EngageSurveyError, InstrumentError
from engagesurvey.qual.codebook import codebook_from_dict, list_codebooks, load_codebook
from engagesurvey.qual.coder import evaluate_coder, explode_codes, first_pass_code, simple_stem_id
from engagesurvey.qual.simulate_text import simulate_comments

HAS_SASTRAWI = importlib.util.find_spec("Sastrawi") is not None


def test_bundled_codebook():
    assert "cid_themes" in list_codebooks()
    cb = load_codebook("cid_themes")
    assert {"development_needs", "reflection", "feedback", "action_planning", "ownership",
            "administrative_only", "barriers"} <= set(cb.themes)
    assert cb.children("barriers") == ["barriers_time", "barriers_skills", "barriers_workload"]
    assert cb.top("barriers_time") == "barriers"
    for t in cb.themes.values():
        assert t.label["id"] and t.label["en"] and t.definition["id"] and t.definition["en"]
        assert t.keywords.get("id") and t.keywords.get("en")
    assert cb.resolve("Umpan balik") == "feedback"
    assert cb.resolve("barriers/barriers_time") == "barriers_time"
    assert cb.resolve("Barriers > Time pressure") == "barriers_time"
    assert cb.resolve("feedback/barriers_time") is None
    assert cb.resolve("kopi") is None
    assert len(cb.to_frame()) == len(cb.themes) and "Codebook cid_themes" in cb.summary()


def _raw(**changes):
    raw = {"id": "t", "version": "1", "title": {"id": "T", "en": "T"},
           "themes": [{"id": "a", "label": {"id": "A", "en": "A"}, "definition": {"id": "d", "en": "d"}},
                      {"id": "b", "parent": "a", "label": {"id": "B", "en": "B"},
                       "definition": {"id": "d", "en": "d"}, "keywords": {"id": ["x"], "en": ["y"]}}]}
    raw.update(changes)
    return raw


@pytest.mark.parametrize("mutate,match", [
    (lambda r: r.pop("version"), r"x.yaml: version: required field is missing"),
    (lambda r: r["themes"][1].update(parent="zz"), r"themes\[1\].parent: unknown parent theme 'zz'"),
    (lambda r: r["themes"][1].update(id="a"), r"themes\[1\].id: duplicate theme id 'a'"),
    (lambda r: r["themes"][0]["label"].pop("en"), r"themes\[0\].label \(theme 'a'\): missing the en text"),
    (lambda r: r["themes"][0].update(colour="red"), r"themes\[0\].colour: unknown field"),
    (lambda r: r["themes"][1].update(keywords={"id": "x"}), r"themes\[1\].keywords.id: must be a list"),
    (lambda r: r["themes"][0].update(parent="b"), r"is its own ancestor"),
    (lambda r: r["themes"][1]["label"].update(en="A"), r"name 'A' also names theme 'a'"),
])
def test_codebook_validation(mutate, match):
    raw = _raw()
    mutate(raw)
    with pytest.raises(InstrumentError, match=match):
        codebook_from_dict(raw, source="x.yaml")


def test_codebook_file_errors(tmp_path):
    with pytest.raises(InstrumentError, match="unknown codebook 'nope'; bundled codebooks: cid_themes"):
        load_codebook("nope")
    p = tmp_path / "bad.yaml"
    p.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        load_codebook(p)


def test_rules_and_spans():
    texts = ["Atasan memberi masukan dan kami menyusun rencana aksi.", "Saya masuk kantor pagi.", "",
             None, "My manager gives feedback; we agree next steps."]
    sug = first_pass_code(texts, ids=["a", "b", "c", "d", "e"])
    s = sug.suggestions
    row = s[(s["unit"] == "a") & (s["theme"] == "feedback")].iloc[0]
    assert row["keyword"] == "=masukan" and row["matched_text"] == "masukan"
    assert texts[0][row["start"]:row["end"]] == "masukan"
    ap = s[(s["unit"] == "a") & (s["theme"] == "action_planning")]
    assert set(ap["matched_text"]) == {"menyusun rencana", "rencana aksi"}
    assert "b" not in set(s["unit"])  # exact rule: "masuk" is not "masukan"
    assert set(s.loc[s["unit"] == "e", "theme"]) == {"feedback", "action_planning"}
    assert sug.units == ["a", "b", "c", "d", "e"]
    assert sug.matrix().loc["c"].sum() == 0
    assert "NOT final coding" in sug.summary() and "first pass" in repr(sug)
    coded = sug.to_coded()
    assert set(coded["coder"]) == {"first_pass"}


def test_stemming_matches_inflected_forms():
    sug = first_pass_code(["Saya merasa dilibatkan.", "Kami berpartisipasi aktif."], lang="id", stemmer="simple")
    assert list(sug.codes()["code"]) == ["ownership", "ownership"]
    assert simple_stem_id("dilibatkan") == "libat"
    assert simple_stem_id("terburu-buru") == "buru"
    if HAS_SASTRAWI:
        assert first_pass_code(["Saya merasa dilibatkan."], stemmer="sastrawi").stemmer == "sastrawi"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_simulated_precision_recall(lang):
    sim = simulate_comments(300, seed=1, lang=lang)
    assert list(sim.columns) == ["unit", "text", "themes", "n_themes"]
    assert sim.equals(simulate_comments(300, seed=1, lang=lang))
    sug = first_pass_code(sim)
    ev = evaluate_coder(sug, sim)
    assert ev.n_units == 300
    assert 0.7 < ev.micro["precision"] < 1 and 0.55 < ev.micro["recall"] < 0.95
    t = ev.table
    assert (t["tp"] + t["fn"] == t["support"]).all()
    truth = explode_codes(sim)
    assert t["support"].sum() == len(truth)
    # micro precision from the counts
    assert ev.micro["precision"] == pytest.approx(t["tp"].sum() / (t["tp"].sum() + t["fp"].sum()))
    assert "micro" in ev.summary()


def test_evaluate_by_hand():
    human = pd.DataFrame({"unit": [1, 1, 2, 3], "code": ["a", "b", "a", "c"]})
    sug = pd.DataFrame({"unit": [1, 2, 2, 9], "code": ["a", "a", "b", "a"]})
    ev = evaluate_coder(sug, human)
    assert ev.table.loc["a", ["tp", "fp", "fn"]].tolist() == [2, 0, 0]
    assert ev.table.loc["b", ["tp", "fp", "fn"]].tolist() == [0, 1, 1]
    assert ev.micro["precision"] == pytest.approx(2 / 3) and ev.micro["recall"] == pytest.approx(2 / 4)


def test_errors():
    with pytest.raises(EngageSurveyError, match="lang must be"):
        first_pass_code(["x"], lang="fr")
    with pytest.raises(EngageSurveyError, match="duplicate id 1"):
        first_pass_code(["x", "y"], ids=[1, 1])
    with pytest.raises(EngageSurveyError, match="2 ids for 1 texts"):
        first_pass_code(["x"], ids=[1, 2])
    with pytest.raises(EngageSurveyError, match="no templates for theme 'kopi'"):
        simulate_comments(5, themes=["kopi"])
    with pytest.raises(EngageSurveyError, match="stemmer must be"):
        first_pass_code(["x"], stemmer="porter")
