"""Straight-lining judged per block (page) and on the raw answers, beside the whole-survey indices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagesurvey.careless import BLOCK_MIN_ITEMS, careless_flags


def _frame():
    rng = np.random.default_rng(0)
    a = [f"a{j}" for j in range(BLOCK_MIN_ITEMS)]        # a page of 8 items, 1-5
    b = [f"b{j}" for j in range(12)]                      # a page of 12 items, 0-6
    x = pd.DataFrame(np.column_stack([rng.integers(1, 6, (40, 8)), rng.integers(0, 7, (40, 12))]),
                     columns=a + b).astype(float)
    x.loc[0, a] = 4.0          # row 0 straight-lines page a only: a run of 8 in 20 items (< cut-off 10)
    x.loc[0, b] = np.tile([0.0, 6.0], 6)
    return x, {"a": a, "b": b}


def test_block_straight_liner_is_flagged_where_the_whole_survey_misses_it():
    x, blocks = _frame()
    whole = careless_flags(x)
    per_block = careless_flags(x, blocks=blocks)
    assert not whole.flags.loc[0, "longstring"] and whole.indices.loc[0, "longstring"] == 8
    assert per_block.flags.loc[0, "longstring"]
    assert per_block.indices.loc[0, "irv"] == 0.0 and per_block.flags.loc[0, "irv"]
    assert per_block.flags["longstring"].sum() == 1  # nobody else answers a whole page identically


def test_raw_answers_drive_longstring_when_items_are_reverse_keyed():
    x, blocks = _frame()
    recoded = x.copy()
    recoded[["a1", "a3"]] = 6 - recoded[["a1", "a3"]]   # two reverse-keyed items, recoded 1..5
    on_recoded = careless_flags(recoded, blocks=blocks)
    on_raw = careless_flags(recoded, raw=x, blocks=blocks)
    assert not on_recoded.flags.loc[0, "longstring"]   # recoding breaks the identical raw answers
    assert on_raw.flags.loc[0, "longstring"]
