"""Mergeable moments: R reference (tests/reference/moments.R), pandas equality, exact merges, stability."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.moments import Moments

TOL = 1e-10


@pytest.fixture(scope="module")
def ref():
    return load_reference("moments")


@pytest.fixture(scope="module")
def bfi_items(ref):
    return load_dataset("bfi")[ref["items"] + ["gender"]]


def _mat(v):
    return np.array(v, dtype=float)


def _check_against_r(m: Moments, r: dict):
    assert m.n == r["n"]
    np.testing.assert_allclose(m.means.to_numpy(), r["means"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.cov.to_numpy(), _mat(r["cov"]), rtol=0, atol=1e-10)
    np.testing.assert_allclose(m.corr.to_numpy(), _mat(r["corr"]), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(m.pairwise_n.to_numpy(), _mat(r["pairwise_n"]))
    np.testing.assert_allclose(m.pairwise_means.to_numpy(), r["pairwise_means"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.pairwise_cov.to_numpy(), _mat(r["pairwise_cov"]), rtol=0, atol=1e-10)
    np.testing.assert_allclose(m.pairwise_corr.to_numpy(), _mat(r["pairwise_corr"]), rtol=0, atol=1e-12)


def test_matches_r_overall_and_groups(ref, bfi_items):
    m = Moments.from_frame(bfi_items, group="gender")
    assert m.columns == ref["items"]
    _check_against_r(m, ref["all"])
    assert sorted(m.groups) == [1, 2]
    for key, g in m.groups.items():
        _check_against_r(g, ref["groups"][str(key)])
        assert g.groups == {}


def test_batches_and_random_merges_match_r(ref, bfi_items):
    rng = np.random.default_rng(4)
    shuffled = bfi_items.iloc[rng.permutation(len(bfi_items))]
    cuts = np.sort(rng.choice(np.arange(1, len(shuffled)), size=6, replace=False))
    batches = np.split(np.arange(len(shuffled)), cuts)
    m = Moments.from_batches((shuffled.iloc[b] for b in batches), group="gender")
    _check_against_r(m, ref["all"])
    for key, g in m.groups.items():
        _check_against_r(g, ref["groups"][str(key)])


def test_cov_equals_pandas(bfi_items):
    items = bfi_items.drop(columns="gender")
    m = Moments.from_frame(items)
    pd.testing.assert_frame_equal(m.cov, items.dropna().cov(), rtol=0, atol=1e-12)
    pd.testing.assert_series_equal(m.means, items.dropna().mean(), rtol=0, atol=1e-12, check_names=False)
    pd.testing.assert_frame_equal(m.pairwise_cov, items.cov(), rtol=0, atol=1e-10)
    pd.testing.assert_frame_equal(m.pairwise_corr, items.corr(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.covariance(ddof=0).to_numpy(), items.dropna().cov(ddof=0).to_numpy(), atol=1e-12)


def _random_frame(rng, n=500, p=5, missing=0.1):
    x = rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) + rng.normal(size=p) * 10
    x[rng.random(x.shape) < missing] = np.nan
    df = pd.DataFrame(x, columns=[f"v{i}" for i in range(p)])
    df["g"] = rng.choice(["a", "b", "c"], size=n)
    return df


def _assert_same(a: Moments, b: Moments, tol=TOL):
    assert a.n == b.n and a.columns == b.columns
    for attr in ("means", "pairwise_means"):
        np.testing.assert_allclose(getattr(a, attr).to_numpy(), getattr(b, attr).to_numpy(), rtol=0, atol=tol)
    for attr in ("cov", "corr", "pairwise_cov", "pairwise_corr"):
        np.testing.assert_allclose(getattr(a, attr).to_numpy(), getattr(b, attr).to_numpy(), rtol=0, atol=tol)
    np.testing.assert_array_equal(a.pairwise_n.to_numpy(), b.pairwise_n.to_numpy())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merge_of_random_splits_equals_whole(seed):
    rng = np.random.default_rng(seed)
    df = _random_frame(rng)
    whole = Moments.from_frame(df, group="g")
    labels = rng.integers(0, 4, size=len(df))  # 4 disjoint random parts, merged in a random order
    parts = [Moments.from_frame(df[labels == k], group="g") for k in rng.permutation(4)]
    merged = parts[0].merge(parts[1]).merge(parts[2].merge(parts[3]))  # tree order as well
    _assert_same(merged, whole)
    assert set(merged.groups) == {"a", "b", "c"}
    for key in whole.groups:
        _assert_same(merged.groups[key], whole.groups[key])


def test_merge_with_empty_and_tiny_parts():
    rng = np.random.default_rng(9)
    df = _random_frame(rng, n=60, missing=0.3).drop(columns="g")
    whole = Moments.from_frame(df)
    empty = Moments.from_frame(df.iloc[:0])
    assert empty.n == 0 and empty.means.isna().all() and empty.cov.isna().all().all()
    parts = [Moments.from_frame(df.iloc[[i]]) for i in range(len(df))]  # one row at a time
    acc = empty
    for p in parts:
        acc = acc.merge(p)
    _assert_same(acc, whole, tol=1e-9)


def test_large_offset_stability():
    rng = np.random.default_rng(7)
    n, p = 20_000, 4
    noise = rng.normal(size=(n, p)) @ np.array([[1, .3, 0, 0], [0, 1, .4, 0], [0, 0, 1, .5], [0, 0, 0, 1]])
    x = 1e9 + noise
    df = pd.DataFrame(x, columns=list("abcd"))
    expected = np.cov(x, rowvar=False)  # numpy's two-pass covariance
    m = Moments.from_frame(df)
    np.testing.assert_allclose(m.cov.to_numpy(), expected, rtol=1e-6, atol=1e-6)
    batched = Moments.from_batches(df.iloc[idx] for idx in np.array_split(np.arange(n), 37))
    np.testing.assert_allclose(batched.cov.to_numpy(), expected, rtol=1e-6, atol=1e-6)
    exact_means = [math.fsum(x[:, j]) / n for j in range(p)]  # correctly rounded sums
    np.testing.assert_allclose(batched.means.to_numpy(), exact_means, rtol=1e-15)
    np.testing.assert_allclose(m.means.to_numpy(), exact_means, rtol=1e-15)
    # the pairwise statistics too (here every pair is complete, so they equal the listwise ones)
    np.testing.assert_allclose(batched.pairwise_cov.to_numpy(), expected, rtol=1e-6, atol=1e-6)
    # a naive one-pass sum of squares would lose every digit here
    naive = (x.T @ x - n * np.outer(x.mean(0), x.mean(0))) / (n - 1)
    assert np.max(np.abs(naive - expected)) > 1.0


def test_pairwise_with_offset_against_two_pass_per_pair():
    rng = np.random.default_rng(8)
    x = 1e8 + rng.normal(size=(3000, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    df = pd.DataFrame(x, columns=list("xyz"))
    m = Moments.from_batches(df.iloc[idx] for idx in np.array_split(np.arange(len(df)), 5))
    for i in range(3):
        for j in range(3):
            ok = np.isfinite(x[:, i]) & np.isfinite(x[:, j])
            assert m.pairwise_n.iloc[i, j] == ok.sum()
            c = np.cov(x[ok, i], x[ok, j])[0, 1]
            assert m.pairwise_cov.iloc[i, j] == pytest.approx(c, rel=1e-6, abs=1e-6)


def test_pairwise_n_small_case():
    df = pd.DataFrame({"a": [1.0, 2, np.nan, 4], "b": [1.0, np.nan, np.nan, 3], "c": [np.nan, 5.0, 6, 7]})
    m = Moments.from_frame(df)
    obs = df.notna().to_numpy().astype(int)
    np.testing.assert_array_equal(m.pairwise_n.to_numpy(), obs.T @ obs)
    assert m.n == int(df.notna().all(axis=1).sum())
    pd.testing.assert_series_equal(m.pairwise_means, df.mean(), check_names=False)


def test_groups_select_and_missing_group():
    rng = np.random.default_rng(3)
    df = _random_frame(rng, n=300)
    df.loc[df.index[:10], "g"] = None  # rows without a group count overall only
    m = Moments.from_frame(df, group="g")
    assert m.group == "g" and sorted(m.groups) == ["a", "b", "c"]
    assert m.n == df.drop(columns="g").dropna().shape[0]
    assert sum(g.n for g in m.groups.values()) == df[df["g"].notna()].drop(columns="g").dropna().shape[0]
    sel = m.select(["a", "c"])
    _assert_same(sel, Moments.from_frame(df[df["g"].isin(["a", "c"])].drop(columns="g")))
    assert sorted(sel.groups) == ["a", "c"]
    _assert_same(m.select("b"), m.groups["b"])
    assert Moments.from_frame(df.drop(columns="g")).groups == {}


def test_merge_reorders_columns():
    rng = np.random.default_rng(5)
    df = _random_frame(rng).drop(columns="g")
    a = Moments.from_frame(df.iloc[:200])
    b = Moments.from_frame(df.iloc[200:][list(reversed(df.columns))])
    _assert_same(a.merge(b), Moments.from_frame(df))


def test_to_dict_roundtrip_through_json():
    rng = np.random.default_rng(6)
    df = _random_frame(rng, n=200)
    df["g"] = rng.integers(1, 4, size=len(df))  # integer group keys survive the round trip
    m = Moments.from_frame(df, group="g")
    text = json.dumps(m.to_dict(), allow_nan=False)
    back = Moments.from_dict(json.loads(text))
    _assert_same(back, m, tol=0)
    assert back.group == "g" and sorted(back.groups) == [1, 2, 3]
    for k in m.groups:
        _assert_same(back.groups[k], m.groups[k], tol=0)
    empty = Moments.from_dict(json.loads(json.dumps(Moments.from_frame(df.iloc[:0]).to_dict(), allow_nan=False)))
    assert empty.n == 0 and empty.means.isna().all()


def test_from_cov_roundtrip(bfi_items):
    items = bfi_items.drop(columns="gender").dropna()
    m = Moments.from_cov(items.cov(), items.mean(), len(items))
    _assert_same(m, Moments.from_frame(items), tol=1e-10)


def test_summary_and_frame(bfi_items):
    m = Moments.from_frame(bfi_items, group="gender")
    text = m.summary()
    assert f"{m.n} complete rows" in text and "groups by 'gender'" in text
    frame = m.to_frame()
    assert list(frame.index) == m.columns
    np.testing.assert_allclose(frame["sd"].to_numpy(), np.sqrt(np.diag(m.cov.to_numpy())))


def test_errors(bfi_items):
    df = bfi_items.copy()
    with pytest.raises(EngageSurveyError, match="group column 'sex' is not in the data"):
        Moments.from_frame(df, group="sex")
    bad = df.drop(columns="gender").astype({"A1": object})
    bad.loc[bad.index[2], "A1"] = "often"
    with pytest.raises(EngageSurveyError, match=r"column 'A1' is not numeric.*'often'"):
        Moments.from_frame(bad)
    a = Moments.from_frame(df[["A1", "A2"]])
    b = Moments.from_frame(df[["A1", "A3"]])
    with pytest.raises(EngageSurveyError, match="missing: A2; extra: A3"):
        a.merge(b)
    with pytest.raises(EngageSurveyError, match="unknown group value 3"):
        Moments.from_frame(df, group="gender").select([1, 3])
    with pytest.raises(EngageSurveyError, match="needs Moments built with a group"):
        a.select([1])
    with pytest.raises(EngageSurveyError, match="no batches"):
        Moments.from_batches([])
    with pytest.raises(EngageSurveyError, match="not a saved Moments"):
        Moments.from_dict({"n": 3})
    with pytest.raises(EngageSurveyError, match="columns not in the data: Z9"):
        Moments.from_frame(df, columns=["A1", "Z9"])
