"""The chunked, threaded scoring kernel against a plain column-by-column implementation.

``engagesurvey.score_kernel`` does the arithmetic of ``score`` in chunks of rows on several threads,
with nested scales laid side by side and overlapping ones gathered. Here it is checked against a
direct pandas computation of the same definitions (reverse key ``min + max - x``; mean of the answered
items when at least the rule's number are answered; sum = k x mean; POMP), on chunk sizes small
enough that every test crosses many chunk and thread boundaries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagesurvey import score_kernel
from engagesurvey.errors import InputError
from engagesurvey.instrument import Instrument, load_instrument
from engagesurvey.scoring import _threshold, score


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of 7 rows on 3 threads, so that small frames cross many chunk boundaries."""
    monkeypatch.setattr(score_kernel, "CHUNK_BYTES", 1)
    monkeypatch.setattr(score_kernel, "MIN_CHUNK_ROWS", 7)
    real = score_kernel.run
    monkeypatch.setattr(score_kernel, "run", lambda *a, **k: real(*a, **{**k, "threads": 3}))


def plain(frame: pd.DataFrame, inst: Instrument, min_valid=None):
    """Scores, n_valid and recoded items computed column by column with pandas."""
    items = frame[[i for i in inst.all_items() if i in frame.columns]].astype(float).copy()
    for name in items.columns:
        it = inst.all_items()[name]
        if it.reverse:
            items[name] = it.min + it.max - items[name]
    scores, n_valid = {}, {}
    for sc in inst.scored_scales():
        block = items[sc.items]
        n = block.notna().sum(axis=1)
        need = _threshold(sc.min_valid if min_valid is None else min_valid, len(sc.items))
        mean = (block.sum(axis=1) / n).where(n >= need)
        if sc.scoring == "sum":
            mean = mean * len(sc.items)
        elif sc.scoring == "pomp":
            lo = np.mean([inst.items[i].min for i in sc.items])
            hi = np.mean([inst.items[i].max for i in sc.items])
            mean = 100.0 * (mean - lo) / (hi - lo)
        scores[sc.id], n_valid[sc.id] = mean, n
    return pd.DataFrame(scores), pd.DataFrame(n_valid), items


def assert_same(result, frame, inst, min_valid=None):
    scores, n_valid, items = plain(frame, inst, min_valid)
    pd.testing.assert_frame_equal(result.scores, scores, check_exact=False, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.n_valid.to_numpy(), n_valid.to_numpy())
    pd.testing.assert_frame_equal(result.items, items, check_exact=True)
    # the audit: one log line per missing score, and the reconciliation adds up
    missing = result.scores.isna().to_numpy()
    assert len(result.log) == int(missing.sum())
    logged = set(zip(result.log["row"], result.log["scale"]))
    rows, cols = np.nonzero(missing)
    assert logged == {(frame.index[r], result.scores.columns[c]) for r, c in zip(rows, cols)}
    assert list(result.log["row"]) == sorted(result.log["row"])
    n_scored = (~missing).sum(axis=1)
    np.testing.assert_array_equal(result.reconciliation["n_scales_scored"], n_scored)
    np.testing.assert_array_equal(result.reconciliation["n_items_answered"],
                                  frame[list(result.items.columns)].notna().sum(axis=1))
    expected_status = np.where(n_scored == scores.shape[1], "scored", np.where(n_scored > 0, "partial", "excluded"))
    np.testing.assert_array_equal(result.reconciliation["status"].astype(str), expected_status)


OPTIONS_YAML = """
id: kernel
version: "1"
title: {id: kernel, en: kernel}
provenance: test
licence: test
response_scales:
  bipolar:
    options:
      - {code: -2, label: {id: sangat tidak, en: strongly not}}
      - {code: -1, label: {id: tidak, en: not}}
      - {code: 0, label: {id: netral, en: neutral}}
      - {code: 1, label: {id: ya, en: yes}}
      - {code: 2, label: {id: sangat ya, en: strongly yes}}
  doubling:
    options:
      - {code: 1, label: {id: satu, en: one}}
      - {code: 2, label: {id: dua, en: two}}
      - {code: 4, label: {id: empat, en: four}}
      - {code: 8, label: {id: delapan, en: eight}}
  five:
    options:
      - {code: 1, label: {id: satu, en: one}}
      - {code: 2, label: {id: dua, en: two}}
      - {code: 3, label: {id: tiga, en: three}}
      - {code: 4, label: {id: empat, en: four}}
      - {code: 5, label: {id: lima, en: five}}
scales:
  - id: whole
    label: {id: w, en: w}
    min_valid: 0.5
    subscales:
      - {id: part_a, label: {id: a, en: a}, min_valid: 2}
      - {id: part_b, label: {id: b, en: b}, scoring: sum, min_valid: 2}
  - {id: other, label: {id: o, en: o}, scoring: pomp, min_valid: 1}
items:
  - {id: q5, scale: other, response_scale: doubling, reverse: true, text: {id: q5, en: q5}}
  - {id: q1, scale: whole, subscale: part_a, response_scale: five, text: {id: q1, en: q1}}
  - {id: q3, scale: whole, subscale: part_b, response_scale: bipolar, text: {id: q3, en: q3}}
  - {id: q2, scale: whole, subscale: part_a, response_scale: five, reverse: true, text: {id: q2, en: q2}}
  - {id: q6, scale: other, response_scale: doubling, text: {id: q6, en: q6}}
  - {id: q4, scale: whole, subscale: part_b, response_scale: bipolar, reverse: true, text: {id: q4, en: q4}}
"""


@pytest.fixture
def options_instrument(tmp_path):
    path = tmp_path / "kernel.yaml"
    path.write_text(OPTIONS_YAML, encoding="utf-8")
    return load_instrument(path)


def options_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "q1": rng.integers(1, 6, n), "q2": rng.integers(1, 6, n), "q3": rng.integers(-2, 3, n),
        "q4": rng.integers(-2, 3, n), "q5": rng.choice([1, 2, 4, 8], n), "q6": rng.choice([1, 2, 4, 8], n),
    }).astype(float)
    frame = frame.mask(rng.random(frame.shape) < 0.25)
    frame.iloc[::97] = np.nan  # some respondents answered nothing
    frame.index = pd.RangeIndex(100, 100 + n)  # row labels that are not positions
    return frame


def test_nested_scales_negative_codes_code_sets_and_rules_match_plain_pandas(options_instrument, tiny_chunks):
    frame = options_frame(500)
    result = score(frame, options_instrument, careless=False)
    assert_same(result, frame, options_instrument)
    assert result.counts()["partial"] > 0 and result.counts()["excluded"] > 0  # every path was taken


def test_chunked_threaded_run_equals_one_chunk(options_instrument, monkeypatch):
    frame = options_frame(3000, seed=1)
    whole = score(frame, options_instrument, careless=False)
    for rows, threads in ((1, 2), (13, 4), (4096, 1)):
        real = score_kernel.run
        monkeypatch.setattr(score_kernel, "run",
                            lambda *a, r=rows, t=threads, **k: real(*a, **{**k, "chunk_rows": r, "threads": t}))
        part = score(frame, options_instrument, careless=False)
        monkeypatch.setattr(score_kernel, "run", real)
        pd.testing.assert_frame_equal(part.scores, whole.scores, check_exact=True)
        pd.testing.assert_frame_equal(part.log, whole.log, check_exact=True)
        pd.testing.assert_frame_equal(part.reconciliation, whole.reconciliation, check_exact=True)


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 60),
    n_items=st.integers(2, 9),
    overlap=st.booleans(),
    min_valid=st.sampled_from([None, 1, 2, 0.5, 1.0]),
)
def test_random_keys_match_plain_pandas(data, n, n_items, overlap, min_valid):
    """Random psych-style keys (overlapping scales included, which no column order makes contiguous)."""
    names = [f"i{j}" for j in range(n_items)]
    reverse = data.draw(st.lists(st.booleans(), min_size=n_items, max_size=n_items))
    keyed = [("-" if r else "") + nm for nm, r in zip(names, reverse)]
    keys = {"first": keyed[: max(2, n_items // 2)], "second": keyed[n_items // 2:] or keyed[:2]}
    if overlap:
        keys["across"] = keyed[::2] if n_items > 3 else keyed
    inst = Instrument.from_keys(keys, min=1, max=7)
    values = data.draw(st.lists(st.one_of(st.none(), st.integers(1, 7), st.floats(1, 7)),
                                min_size=n * n_items, max_size=n * n_items))
    frame = pd.DataFrame(np.array([np.nan if v is None else v for v in values], dtype=float).reshape(n, n_items),
                         columns=names)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(score_kernel, "CHUNK_BYTES", 1)
        mp.setattr(score_kernel, "MIN_CHUNK_ROWS", 4)
        result = score(frame, inst, min_valid=min_valid, careless=False)
    assert_same(result, frame, inst, min_valid)


def test_items_share_unchanged_columns_with_the_input_but_stay_apart(options_instrument):
    frame = options_frame(50)
    result = score(frame, options_instrument, careless=False)
    assert np.shares_memory(result.items["q1"].to_numpy(), frame["q1"].to_numpy())  # not copied
    assert not np.shares_memory(result.items["q2"].to_numpy(), frame["q2"].to_numpy())  # reverse-keyed
    before = frame.copy()
    result.items.loc[100, "q1"] = 3.0
    pd.testing.assert_frame_equal(frame, before)  # writing to the result leaves the input alone
    frame.loc[101, "q1"] = 5.0
    assert result.items.loc[101, "q1"] == before.loc[101, "q1"]  # and the other way round


def test_n_valid_is_a_small_integer():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    result = score(pd.DataFrame({"a": [1, np.nan], "b": [2, np.nan]}), inst, careless=False)
    assert result.n_valid["s"].dtype == np.int8
    assert result.n_valid["s"].tolist() == [2, 0]


def test_empty_frame_scores_nothing_and_loses_nothing():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    result = score(pd.DataFrame({"a": [], "b": []}, dtype=float), inst, careless=False)
    assert result.counts() == {"read": 0, "scored": 0, "partial": 0, "excluded": 0}
    assert result.scores.shape == (0, 1) and len(result.log) == 0


@pytest.mark.parametrize("column, value, message", [
    ("q1", 2.5, r"row 1093, column 'q1', value 2.5.*code out of range for item 'q1' \(allowed 1, 2, 3, 4, 5"),
    ("q5", 3.0, r"row 1093, column 'q5', value 3.*code out of range for item 'q5' \(allowed 1, 2, 4, 8"),
    ("q3", -3.0, r"row 1093, column 'q3', value -3.*code out of range"),
    ("q4", 7.0, r"row 1093, column 'q4', value 7.*code out of range"),
])
def test_a_bad_code_deep_in_a_late_chunk_names_its_row(options_instrument, tiny_chunks, column, value, message):
    frame = options_frame(1200)
    frame.loc[1093, column] = value
    with pytest.raises(InputError, match=message):
        score(frame, options_instrument, careless=False)


def test_first_bad_column_in_the_instruments_order_is_reported(options_instrument, tiny_chunks):
    """The kernel lays q4 (scale whole) before q6 (scale other); the error follows the instrument."""
    frame = options_frame(300)
    frame.loc[390, "q6"] = 5.0
    frame.loc[120, "q4"] = 9.0
    first = [c for c in options_instrument.all_items() if c in ("q4", "q6")][0]
    assert first == "q6"
    with pytest.raises(InputError, match=rf"column '{first}'"):
        score(frame, options_instrument, careless=False)


def test_infinite_answer_is_an_error_even_without_bounds(tiny_chunks):
    inst = Instrument.from_keys({"s": ["a", "b"]})  # no min/max: any number goes, but not infinity
    frame = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0)})
    frame.loc[33, "b"] = -np.inf
    with pytest.raises(InputError, match=r"row 33, column 'b', value -inf.*not a finite number for item 'b'"):
        score(frame, inst, careless=False)


def test_a_doubled_item_column_is_a_clear_error():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    frame = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])
    with pytest.raises(InputError, match=r"column 'a' appears more than once"):
        score(frame, inst, careless=False)


def test_overlapping_scales_share_items_and_still_match(tiny_chunks):
    from engagesurvey.scoring import _plan

    keys = {"x": ["a", "-b", "c"], "y": ["c", "d", "-e"], "z": ["a", "-e"]}  # neither nested nor disjoint
    inst = Instrument.from_keys(keys, min=1, max=5)
    plan = _plan(list(inst.all_items()), inst, inst.scored_scales(), None)
    assert sorted(len(s) for s in plan.scales_of) == [1, 1, 2, 2, 2]
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.integers(1, 6, (200, 5)).astype(float), columns=list("abcde"))
    frame = frame.mask(rng.random(frame.shape) < 0.3)
    assert_same(score(frame, inst, careless=False), frame, inst)


def test_a_reverse_keyed_item_outside_every_scale_is_still_recoded(tmp_path, tiny_chunks):
    path = tmp_path / "kernel7.yaml"
    path.write_text(OPTIONS_YAML + "  - {id: q7, response_scale: five, reverse: true, text: {id: q7, en: q7}}\n",
                    encoding="utf-8")
    inst = load_instrument(path)
    frame = options_frame(200)
    frame["q7"] = np.resize([1.0, 2.0, np.nan, 5.0], len(frame))
    result = score(frame, inst, careless=False)
    np.testing.assert_array_equal(result.items["q7"].to_numpy(), 6.0 - frame["q7"].to_numpy())
    assert_same(result, frame, inst)
