"""Large regular CSVs are parsed by pandas' C parser; the result must equal the csv-module path."""

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
    assert hasattr(csvtext._fast_rows(text, ","), "array")  # the C parser took this file
    monkeypatch.setattr(csvtext, "_fast_rows", lambda text, delim, min_rows=5000: None)
    slow = es.read_responses(path, inst, id_column="respondent_id")
    assert fast.n_rows == slow.n_rows == n
    pd.testing.assert_frame_equal(fast.data, slow.data)
    assert fast.data.loc[fast.data.comment.str.contains("\n", na=False)].shape[0] > 0
