"""The instrument format: bundled instruments load and round-trip; malformed files are rejected clearly."""

from __future__ import annotations

import copy

import pytest
import yaml

import engagesurvey.instrument as ins
from engagesurvey.errors import InstrumentError

BASE = {
    "id": "t",
    "version": "1.0",
    "title": {"id": "Uji", "en": "Test"},
    "provenance": "test",
    "licence": "test",
    "response_scales": {
        "agree5": {
            "range": [1, 5],
            "options": [
                {"code": 1, "label": {"id": "Sangat Tidak Setuju", "en": "Strongly disagree"}, "aliases": ["STS"]},
                {"code": 2, "label": {"id": "Tidak Setuju", "en": "Disagree"}},
                {"code": 3, "label": {"id": "Netral", "en": "Neutral"}, "aliases": ["Ragu-ragu"]},
                {"code": 4, "label": {"id": "Setuju", "en": "Agree"}},
                {"code": 5, "label": {"id": "Sangat Setuju", "en": "Strongly agree"}, "aliases": ["SS"]},
            ],
        },
        "pct": {"numeric": {"min": 0, "max": 100}},
    },
    "scales": [{"id": "s", "label": {"id": "Skala", "en": "Scale"},
                "subscales": [{"id": "s_a", "label": {"id": "A", "en": "A"}},
                              {"id": "s_b", "label": {"id": "B", "en": "B"}}]}],
    "items": [
        {"id": "i1", "subscale": "s_a", "response_scale": "agree5", "text": {"id": "satu", "en": "one"}},
        {"id": "i2", "subscale": "s_a", "response_scale": "agree5", "reverse": True,
         "text": {"id": "dua", "en": "two"}},
        {"id": "i3", "subscale": "s_b", "response_scale": "agree5", "text": {"id": "tiga", "en": "three"}},
        {"id": "i4", "subscale": "s_b", "response_scale": "agree5", "text": {"id": "empat", "en": "four"}},
        {"id": "w", "response_scale": "pct", "text": {"id": "kerja", "en": "work"}},
        {"id": "p", "response_scale": "pct", "text": {"id": "orang", "en": "people"}},
    ],
    "attention_checks": [{"id": "ac", "response_scale": "agree5", "pass": [4],
                          "text": {"id": "pilih Setuju", "en": "choose Agree"}}],
    "constant_sums": [{"id": "mix", "items": ["w", "p"], "total": 100}],
}


def write(tmp_path, data, name="t.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_valid_definition_loads(tmp_path):
    inst = ins.load_instrument(write(tmp_path, BASE))
    assert list(inst.items) == ["i1", "i2", "i3", "i4", "w", "p"]
    assert inst.keys() == {"s": ["i1", "-i2", "i3", "i4"], "s_a": ["i1", "-i2"], "s_b": ["i3", "i4"]}
    assert inst.items["i2"].reverse and (inst.items["i2"].min, inst.items["i2"].max) == (1, 5)
    assert inst.scales["s_a"].parent == "s" and inst.scales["s"].subscales == ["s_a", "s_b"]
    lookup = inst.response_scales["agree5"].lookup()
    for text, code in [("  sangat   SETUJU ", 5), ("\ufeffSetuju", 4), ("ragu-ragu", 3), ("Strongly disagree", 1),
                       ("3", 3)]:
        assert lookup[ins.normalise_label(text)] == code


@pytest.mark.parametrize("iid", ins.list_instruments())
def test_bundled_instruments_load_and_round_trip(iid, tmp_path):
    inst = ins.load_instrument(iid)
    assert inst.id == iid
    for it in inst.all_items().values():
        assert it.text["id"].strip() and it.text["en"].strip()
    again = ins.load_instrument(write(tmp_path, inst.to_dict(), f"{iid}.yaml"))
    assert again.keys() == inst.keys()
    assert list(again.all_items()) == list(inst.all_items())
    assert {k: (v.min, v.max) for k, v in again.items.items()} == {k: (v.min, v.max) for k, v in inst.items.items()}


def test_bundled_set_is_complete():
    assert {"cid", "we", "perf", "support", "feedback", "learning", "rating"} <= set(ins.list_instruments())


def _mut(fn):
    data = copy.deepcopy(BASE)
    fn(data)
    return data


MALFORMED = [
    ("duplicate item id", lambda d: d["items"].append(dict(d["items"][0])), r"items\[6\]\.id: duplicate item id 'i1'"),
    ("reverse key on unknown item", lambda d: d.__setitem__("reverse_keyed", ["i9"]),
     r"reverse_keyed\[0\]: reverse key on unknown item 'i9'"),
    ("scale with one item", lambda d: d["items"].pop(3), r"scales 's_b': a scale needs at least 2 items, found 1"),
    ("item without English", lambda d: d["items"][0]["text"].pop("en"), r"items\[0\]\.text.*missing the en text"),
    ("item without Indonesian", lambda d: d["items"][1]["text"].__setitem__("id", " "),
     r"items\[1\]\.text.*missing the id text"),
    ("option code outside range", lambda d: d["response_scales"]["agree5"]["options"][4].__setitem__("code", 6),
     r"options\[4\]\.code: option code 6 is outside the scale's range"),
    ("attention pass not an option", lambda d: d["attention_checks"][0].__setitem__("pass", [7]),
     r"attention_checks\[0\]\.pass: code 7 is not an option"),
    ("unknown response scale", lambda d: d["items"][0].__setitem__("response_scale", "likert7"),
     r"items\[0\]\.response_scale: item 'i1' names unknown response scale 'likert7'"),
    ("unknown subscale", lambda d: d["items"][0].__setitem__("subscale", "s_z"), r"unknown subscale 's_z'"),
    ("missing version", lambda d: d.pop("version"), r"version: required field is missing"),
    ("missing licence", lambda d: d.pop("licence"), r"licence: required field is missing"),
    ("unknown top-level field", lambda d: d.__setitem__("itemz", []), r"itemz: unknown field"),
    ("bad scoring rule", lambda d: d["scales"][0].__setitem__("scoring", "median"), r"'median' is not one of"),
    ("bad min_valid", lambda d: d["scales"][0].__setitem__("min_valid", 0), r"min_valid: 0 must be a share"),
    ("duplicate option code", lambda d: d["response_scales"]["agree5"]["options"][1].__setitem__("code", 1),
     r"duplicate option code 1"),
    ("ambiguous alias", lambda d: d["response_scales"]["agree5"]["options"][1].__setitem__("aliases", ["STS"]),
     r"alias 'sts' names two codes"),
    ("constant sum on a Likert item", lambda d: d["constant_sums"][0].__setitem__("items", ["w", "i1"]),
     r"item 'i1' must have a numeric response scale"),
    ("alias that is another option's code",
     lambda d: d["response_scales"]["agree5"]["options"][0].__setitem__("aliases", ["2"]),
     r"alias '2' of code 1 is the code of another option"),
    ("column alias naming two items", lambda d: d["items"][1].__setitem__("aliases", ["i1"]),
     r"column name 'i1' also names item 'i1'"),
    ("min_valid count above the scale size", lambda d: d["scales"][0].__setitem__("min_valid", 9),
     r"scales 's'.min_valid: needs 9 answered items but the scale has only 4"),
    ("total not a boolean", lambda d: d["scales"][0].__setitem__("total", "false"),
     r"scales\[0\]\.total: must be true or false"),
    ("code not a number", lambda d: d["response_scales"]["agree5"]["options"][0].__setitem__("code", "one"),
     r"options\[0\]\.code: 'one' is not a number"),
]


@pytest.mark.parametrize("name,mutate,pattern", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_instrument_names_file_and_field(tmp_path, name, mutate, pattern):
    p = write(tmp_path, _mut(mutate))
    with pytest.raises(InstrumentError, match=pattern) as info:
        ins.load_instrument(p)
    assert str(p) in str(info.value)


def test_not_yaml_and_unknown_id(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"bad.yaml: not valid YAML \(line"):
        ins.load_instrument(p)
    with pytest.raises(InstrumentError, match=r"unknown instrument 'nope'; bundled instruments: "):
        ins.load_instrument("nope")


def test_combine_instruments_prefixes_response_scales():
    both = ins.combine_instruments(["cid", "we"])
    assert set(both.parts) == {"cid", "we"}
    assert all("." in it.response_scale for it in both.items.values())
    assert set(both.keys()) == set(ins.load_instrument("cid").keys()) | set(ins.load_instrument("we").keys())
