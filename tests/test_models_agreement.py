"""engagesurvey.models.group_agreement against multilevel::rwg.j / rwg / ICC1 / ICC2
(tests/reference/models_multilevel.R)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.models.agreement import group_agreement, icc


@pytest.fixture(scope="module")
def ref():
    return load_reference("models_multilevel")["agree"]


@pytest.fixture(scope="module")
def d():
    return load_dataset("models_multilevel")


ITEMS = ["q1", "q2", "q3", "q4"]


def nan_close(a, b, tol=1e-10):
    a = np.asarray(a, float)
    b = np.array([np.nan if v in (None, "NA") else v for v in b], float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], atol=tol)


def test_rwg_j_and_icc(d, ref):
    out = group_agreement(d, ITEMS, "group")
    assert list(out.columns) == ["group", "n", "mean", "rwg_j", "icc1", "icc2"]
    np.testing.assert_array_equal(out["group"], ref["group"])
    np.testing.assert_array_equal(out["n"], ref["gsize"])
    nan_close(out["rwg_j"], ref["rwg_j"])
    np.testing.assert_allclose(out["mean"], ref["mean_j"], atol=1e-12)
    assert out["icc1"].iloc[0] == pytest.approx(ref["icc1"], abs=1e-10)
    assert out["icc2"].iloc[0] == pytest.approx(ref["icc2"], abs=1e-10)
    assert out["icc1"].nunique() == 1
    # a group of one has no rwg (R: NA)
    assert np.isnan(out.loc[out["n"] == 1, "rwg_j"]).all()


def test_scale_and_null_var(d, ref):
    a = group_agreement(d, ITEMS, "group", scale=(1, 5))
    b = group_agreement(d, ITEMS, "group", null_var=2.0)
    nan_close(a["rwg_j"], ref["rwg_j"])
    nan_close(b["rwg_j"], ref["rwg_j"])
    c = group_agreement(d, ITEMS, "group", null_var=3.0)
    nan_close(c["rwg_j"], ref["rwg_j_ranvar3"])


def test_single_item_rwg(d, ref):
    out = group_agreement(d, "q1", "group", scale=(1, 5))
    nan_close(out["rwg_j"], ref["rwg"])
    i1, i2 = icc(d, "q1", "group")
    assert i1 == pytest.approx(ref["icc1_q1"], abs=1e-10)
    assert i2 == pytest.approx(ref["icc2_q1"], abs=1e-10)


def test_missing_values_dropped(d, ref):
    out = group_agreement(d, "q1na", "group", scale=(1, 5))
    nan_close(out["rwg_j"], ref["rwg_na"])
    np.testing.assert_array_equal(out["n"], ref["gsize_na"])


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((["q1", "nope"], "group"), {}, "unknown column: 'nope'"),
    ((ITEMS, "nope"), {}, "unknown group column"),
    ((ITEMS, "one"), {}, "has 1 group"),
    ((["q1", "txt"], "group"), {}, "column 'txt' is not numeric"),
    ((ITEMS, "group"), {"null_var": -1.0}, "null_var must be"),
    ((ITEMS, "group"), {"scale": (5, 1)}, "scale must be"),
    (([], "group"), {}, "at least one column"),
])
def test_errors(d, args, kwargs, match):
    df = d.assign(one=1, txt="x")
    with pytest.raises(EngageSurveyError, match=match):
        group_agreement(df, *args, **kwargs)


def test_warns_outside_scale(d):
    with pytest.warns(UserWarning, match="outside scale"):
        group_agreement(d, ITEMS, "group", scale=(1, 4))
