"""Scoring against psych::scoreItems (tests/reference/scoring.R) and the audit trail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import engagesurvey as es
from engagesurvey.errors import InputError, InstrumentError
from engagesurvey.instrument import Instrument
from engagesurvey.scoring import score

from conftest import load_reference


@pytest.fixture(scope="module")
def ref():
    return load_reference("scoring")


def test_scores_equal_psych_scoreItems_on_bfi(bfi, ref):
    inst = Instrument.from_keys(ref["keys"], min=ref["min"], max=ref["max"], id="bfi")
    result = score(bfi, inst, careless=False)
    assert list(bfi["id"].astype(str)) == ref["id"]
    for scale, expected in ref["scores"].items():
        exp = np.array([np.nan if v is None else v for v in expected], dtype=float)
        got = result.scores[scale].to_numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(exp))
        np.testing.assert_allclose(got[~np.isnan(exp)], exp[~np.isnan(exp)], rtol=0, atol=1e-9)


def test_keys_round_trip(ref):
    inst = Instrument.from_keys(ref["keys"], min=1, max=6)
    assert inst.keys() == ref["keys"]
    assert inst.items["A1"].reverse and not inst.items["A2"].reverse
    assert (inst.items["A1"].min, inst.items["A1"].max) == (1.0, 6.0)


def test_reconciliation_adds_up_and_logs_every_missing_score(bfi, ref):
    inst = Instrument.from_keys(ref["keys"], min=1, max=6)
    frame = bfi.copy()
    frame.loc[frame.index[:3], ["A1", "A2", "A3", "A4", "A5"]] = np.nan  # no agreeableness answer
    frame.loc[frame.index[3], list(inst.items)] = np.nan  # nothing answered at all
    result = score(frame, inst, min_valid=3, careless=False)
    c = result.counts()
    assert c["read"] == len(frame) == c["scored"] + c["partial"] + c["excluded"]
    assert result.reconciliation.loc[frame.index[3], "status"] == "excluded"
    assert result.reconciliation.loc[frame.index[3], "reason"] == "no item answered"
    assert (result.reconciliation.loc[frame.index[:3], "status"] == "partial").all()
    # one log line per missing score, and none for present scores
    assert len(result.log) == int(result.scores.isna().sum().sum())
    first = result.log[(result.log.row == frame.index[0]) & (result.log.scale == "agree")]
    assert first.reason.iloc[0] == "no item answered"


def test_min_valid_rule_share_and_count():
    inst = Instrument.from_keys({"s": ["a", "b", "c", "d"]}, min=1, max=5)
    df = pd.DataFrame({"a": [1, 1, np.nan], "b": [2, np.nan, np.nan], "c": [3, np.nan, np.nan],
                       "d": [np.nan, np.nan, 4]})
    r = score(df, inst, min_valid=0.5, careless=False)
    np.testing.assert_allclose(r.scores["s"].to_numpy(), [2.0, np.nan, np.nan])
    r = score(df, inst, min_valid=1, careless=False)
    np.testing.assert_allclose(r.scores["s"].to_numpy(), [2.0, 1.0, 4.0])
    assert r.log.empty


def test_sum_and_pomp_rules(tmp_path):
    yaml_text = """
id: t
version: "1"
title: {id: t, en: t}
provenance: test
licence: test
response_scales:
  f5:
    options:
      - {code: 1, label: {id: satu, en: one}}
      - {code: 2, label: {id: dua, en: two}}
      - {code: 3, label: {id: tiga, en: three}}
      - {code: 4, label: {id: empat, en: four}}
      - {code: 5, label: {id: lima, en: five}}
scales:
  - {id: s_sum, label: {id: s, en: s}, scoring: sum, min_valid: 2}
  - {id: s_pomp, label: {id: p, en: p}, scoring: pomp, min_valid: 1}
items:
  - {id: a, scale: s_sum, response_scale: f5, text: {id: a, en: a}}
  - {id: b, scale: s_sum, response_scale: f5, reverse: true, text: {id: b, en: b}}
  - {id: c, scale: s_sum, response_scale: f5, text: {id: c, en: c}}
  - {id: d, scale: s_pomp, response_scale: f5, text: {id: d, en: d}}
  - {id: e, scale: s_pomp, response_scale: f5, text: {id: e, en: e}}
"""
    p = tmp_path / "t.yaml"
    p.write_text(yaml_text, encoding="utf-8")
    inst = es.instrument.load_instrument(p)
    df = pd.DataFrame({"a": [5, 5], "b": [1, np.nan], "c": [2, np.nan], "d": [1, 5], "e": [3, 5]})
    r = score(df, inst, careless=False)
    # row 0: a=5, b reversed 6-1=5, c=2 -> mean 4, prorated sum 12; row 1: only 1 item < 2 needed
    np.testing.assert_allclose(r.scores["s_sum"].to_numpy(), [12.0, np.nan])
    # pomp: mean 2 -> 100*(2-1)/4 = 25; mean 5 -> 100
    np.testing.assert_allclose(r.scores["s_pomp"].to_numpy(), [25.0, 100.0])
    assert r.items.loc[0, "b"] == 5


def test_missing_item_column_is_a_clear_error():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    with pytest.raises(InputError, match=r"missing item columns .*: b"):
        score(pd.DataFrame({"a": [1, 2]}), inst)


def test_out_of_range_code_names_row_column_value():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    df = pd.DataFrame({"a": [1, 2, 9], "b": [1, 2, 3]})
    with pytest.raises(InputError, match=r"row 2, column 'a', value 9.*out of range"):
        score(df, inst, careless=False)


def test_text_in_item_column_is_a_clear_error():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    df = pd.DataFrame({"a": ["1", "Setuju"], "b": [1, 2]})
    with pytest.raises(InputError, match=r"row 1, column 'a', value 'Setuju': not a numeric code"):
        score(df, inst, careless=False)


def test_from_keys_errors():
    with pytest.raises(InstrumentError, match="min and max are needed"):
        Instrument.from_keys({"s": ["-a", "b"]})
    with pytest.raises(InstrumentError, match="non-empty dict"):
        Instrument.from_keys({})


@pytest.fixture(scope="module")
def rules():
    return load_reference("scoring_rules")


def _r(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("rule", ["mean", "sum", "pomp"])
def test_scoring_rules_equal_base_r_on_bfi(bfi, rules, rule):
    """Mean, prorated sum (k x mean) and POMP against base R (tests/reference/scoring_rules.R)."""
    import dataclasses

    inst = Instrument.from_keys(rules["keys"], min=rules["min"], max=rules["max"], id="bfi")
    for sid, sc in list(inst.scales.items()):
        inst.scales[sid] = dataclasses.replace(sc, scoring=rule)
    result = score(bfi, inst, careless=False)
    for sid, ref in rules["scales"].items():
        np.testing.assert_array_equal(result.n_valid[sid].to_numpy(), ref["n_valid"])
        np.testing.assert_allclose(result.scores[sid].to_numpy(), _r(ref[rule]), rtol=0, atol=1e-9)


@pytest.mark.parametrize("min_valid", [4, 0.8])
def test_minimum_valid_rule_equals_base_r_on_bfi(bfi, rules, min_valid):
    """A count (4 items) and a share (0.8 of 5 = 4 items): the score is missing below it."""
    inst = Instrument.from_keys(rules["keys"], min=rules["min"], max=rules["max"], id="bfi")
    result = score(bfi, inst, min_valid=min_valid, careless=False)
    for sid, ref in rules["scales"].items():
        np.testing.assert_allclose(result.scores[sid].to_numpy(), _r(ref["mean_min4"]), rtol=0, atol=1e-9)
    assert len(result.log) == int(result.scores.isna().sum().sum()) > 0
