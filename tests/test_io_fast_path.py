"""Large regular CSVs are parsed by pyarrow's CSV reader; the result must equal the csv-module path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import engagesurvey as es
from engagesurvey.io import csvtext


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    rng = np.random.default_rng(4)
    n = 6000  # above the fast path's threshold
    inst = es.load_instrument("we")
    labels = [o.label["id"] for o in inst.response_scales["freq7"].options] if "freq7" in inst.response_scales \
        else [o.label["id"] for o in next(iter(inst.response_scales.values())).options]
    frame = pd.DataFrame({"respondent_id": [f"R{i:05d}" for i in range(n)],
                          "comment": rng.choice(['ok', 'says "hi", twice', "two\nlines", "", "=1+1"], n)})
    for item in inst.items:
        col = rng.choice(labels, n).astype(object)
        col[rng.random(n) < 0.05] = ""
        frame[item] = col
    path = tmp_path_factory.mktemp("big") / "big.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path, inst, n


def test_fast_path_is_used_and_equals_the_csv_module(big_csv, monkeypatch):
    path, inst, n = big_csv
    fast = es.read_responses(path, inst, id_column="respondent_id")
    text, _ = csvtext.decode_bytes(path.read_bytes(), path.name)
    assert hasattr(csvtext._fast_rows(text, ","), "table")  # pyarrow took this file
    monkeypatch.setattr(csvtext, "_fast_rows", lambda text, delim, min_rows=5000: None)
    slow = es.read_responses(path, inst, id_column="respondent_id")
    assert fast.n_rows == slow.n_rows == n
    pd.testing.assert_frame_equal(fast.data, slow.data)
    assert fast.data.loc[fast.data.comment.str.contains("\n", na=False)].shape[0] > 0


def _text_exports():
    from conftest import SHARED_EXPORTS

    if not SHARED_EXPORTS.is_dir():
        return []
    return sorted(p for p in SHARED_EXPORTS.rglob("*") if p.suffix.lower() in (".csv", ".tsv", ".txt"))


@pytest.mark.parametrize("path", _text_exports(), ids=lambda p: p.name)
def test_pyarrow_grid_equals_the_csv_module_on_every_real_text_export(path, monkeypatch):
    """Forced onto the fast path, each genuine export gives the csv module's rows cell for cell
    (or the fast path declines the file, and the csv module reads it as before)."""
    import csv
    import io

    text, _ = csvtext.decode_bytes(path.read_bytes(), path.name)
    delim = csvtext.sniff_delimiter(text)
    text = text.replace("\ufeff", "")
    expected = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
    grid = csvtext._fast_rows(text, delim, min_rows=0)
    if grid is None:  # ragged: pyarrow declined, the csv module is used
        assert len({len(r) for r in expected}) > 1
        return
    assert len(grid) == len(expected)
    assert list(grid) == expected
    assert grid[0] == expected[0] and grid[-1] == expected[-1] and grid[1:3] == expected[1:3]


def test_ragged_large_file_falls_back_to_the_csv_module(tmp_path):
    lines = ["a,b,c"] + [f"{i},{i},{i}" for i in range(6000)] + ["1,2"]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text, _ = csvtext.decode_bytes(path.read_bytes(), path.name)
    assert csvtext._fast_rows(text, ",") is None
    rows, facts = csvtext.read_text_grid(path, path.name)
    assert len(rows) == 6002 and rows[-1] == ["1", "2"] and facts["delimiter"] == ","


@pytest.mark.parametrize("kind", ["whole", "decimal", "blank", "leading_zero", "text"])
def test_many_distinct_values_are_decided_in_bulk_as_the_csv_module_path_decides(tmp_path, monkeypatch, kind):
    """Columns with over 10,000 distinct values (ids, free numbers) take a vectorised decision."""
    rng = np.random.default_rng(7)
    n = 12_000
    inst = es.load_instrument("we")
    values = {
        "whole": [str(v) for v in rng.permutation(n) + 1],
        "decimal": [f"{v:.3f}" for v in rng.random(n) * 100],
        "blank": [("" if i % 500 == 0 else str(i)) for i in range(n)],
        "leading_zero": [f"{i:06d}" for i in range(n)],
        "text": [f"{i} " if i % 2 else f"x{i}" for i in range(n)],
    }[kind]
    frame = pd.DataFrame({"respondent_id": [f"R{i:05d}" for i in range(n)], "extra": values})
    for item in inst.items:
        frame[item] = rng.integers(0, 7, n)
    path = tmp_path / "many.csv"
    frame.to_csv(path, index=False)
    fast = es.read_responses(path, inst, id_column="respondent_id")
    monkeypatch.setattr(csvtext, "_fast_rows", lambda text, delim, min_rows=5000: None)
    slow = es.read_responses(path, inst, id_column="respondent_id")
    pd.testing.assert_frame_equal(fast.data, slow.data)
    expected_dtype = {"whole": np.int64, "decimal": np.float64, "blank": np.float64,
                      "leading_zero": object, "text": object}[kind]
    assert fast.data["extra"].dtype == expected_dtype


@pytest.mark.parametrize("path", _text_exports(), ids=lambda p: p.name)
def test_read_responses_on_the_fast_path_equals_the_csv_module_path(path, monkeypatch):
    """End to end on each genuine text export: columns, inferred types and values are the same
    (or both paths raise the same error)."""
    real = csvtext._fast_rows

    def outcome():
        try:
            return es.read_responses(path).data
        except es.InputError as exc:
            return str(exc)

    monkeypatch.setattr(csvtext, "_fast_rows", lambda text, delim, min_rows=5000: real(text, delim, 0))
    fast = outcome()
    monkeypatch.setattr(csvtext, "_fast_rows", lambda text, delim, min_rows=5000: None)
    slow = outcome()
    if isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)
