"""Formula-injection neutralisation of tables leaving the library (engagesurvey.safe)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagesurvey.safe import DANGEROUS, neutralise, safe_frame


def test_every_risky_text_cell_and_only_those_get_an_apostrophe():
    n = 5000
    rng = np.random.default_rng(0)
    text = rng.choice(["Setuju", "=HYPERLINK(\"x\")", "+62 812", "-", "@sum", "\tx", "ok", None], n)
    frame = pd.DataFrame({
        "object": pd.Series(text, dtype=object),
        "string": pd.Series(text, dtype="string"),
        "category": pd.Categorical(rng.choice(["=1+1", "fine"], n)),
        "number": rng.normal(size=n) - 5,  # negative numbers are not text
        "flag": rng.random(n) < 0.5,
        "=danger": np.arange(n),
    }, index=pd.Index([f"r{i}" for i in range(n - 1)] + ["=row"], name="id"))
    before = frame.copy()
    out = safe_frame(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is untouched
    for col in ("object", "string", "category"):
        expected = [neutralise(v) if isinstance(v, str) else v for v in frame[col].astype(object)]
        got = list(out[col if col != "=danger" else "'=danger"].astype(object))
        assert [g if isinstance(g, str) else None for g in got] == \
               [e if isinstance(e, str) else None for e in expected]
    assert not any(isinstance(v, str) and v.startswith(DANGEROUS) for v in out["object"])
    np.testing.assert_array_equal(out["number"], frame["number"])
    assert list(out.columns)[-1] == "'=danger" and out.index[-1] == "'=row"


def test_a_column_with_nothing_to_change_is_not_copied():
    frame = pd.DataFrame({"a": pd.Series(["x", "y"] * 10, dtype=object), "b": np.arange(20.0)})
    out = safe_frame(frame)
    assert np.shares_memory(out["b"].to_numpy(), frame["b"].to_numpy())
    assert out["a"].tolist() == frame["a"].tolist()
