"""Careless-response indices: R references (tests/reference/careless.R) and hand-worked small cases.

R's ``careless`` package cannot be installed here, so careless.R transcribes its definitions in base R
(plus psych::outlier for the pairwise Mahalanobis distance). The small cases derive their expected
values in the test by a different route (itertools.groupby, statistics.stdev, per-row np.corrcoef,
scipy's mahalanobis, and the identity sum_i D2_i = (n - 1) p), never by calling the code under test.
"""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference
from scipy.spatial.distance import mahalanobis as scipy_mahalanobis

from engagesurvey import careless as cl
from engagesurvey.errors import EngageSurveyError

TOL = 1e-6


@pytest.fixture(scope="module")
def ref():
    return load_reference("careless")


@pytest.fixture(scope="module")
def bfi_items(ref):
    return load_dataset("bfi")[ref["items"]]


def _arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _close(got, expected, tol=TOL):
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    ok = ~np.isnan(expected)
    return float(np.max(np.abs(got[ok] - expected[ok]))) if ok.any() else 0.0


# ---------------------------------------------------------------------------------------- R references


def test_longstring_matches_r(ref, bfi_items):
    out = cl.longstring(bfi_items, avg=True)
    assert list(out.columns) == ["longstr", "avgstr"]
    assert out.index.equals(bfi_items.index)
    assert _close(out["longstr"], ref["longstr"]) == 0
    assert _close(out["avgstr"], ref["avgstr"]) < TOL
    assert cl.longstring(bfi_items).equals(out["longstr"])


def test_irv_matches_r(ref, bfi_items):
    assert _close(cl.irv(bfi_items), ref["irv"]) < TOL
    split = cl.irv(bfi_items, n_splits=3)
    assert list(split.columns) == ["irv_total", "irv1", "irv2", "irv3"]
    for k in (1, 2, 3):
        assert _close(split[f"irv{k}"], ref[f"irv{k}"]) < TOL
    # R's cut(seq_along(x), 7): the block boundaries
    assert cl._split_bins(25, 7).tolist() == ref["bins7"]


def test_mahalanobis_matches_r(ref, bfi_items):
    assert _close(cl.mahalanobis(bfi_items), _arr(ref["mahalanobis_listwise"])) < TOL
    assert _close(cl.mahalanobis(bfi_items, missing="pairwise"), ref["mahalanobis_pairwise"]) < TOL
    res = cl.careless_flags(bfi_items)
    assert _close(res.indices["mahalanobis_p"], _arr(ref["mahalanobis_listwise_p"])) < 1e-10


def test_even_odd_matches_r(ref, bfi_items):
    items = bfi_items.copy()
    items[ref["reverse"]] = 7 - items[ref["reverse"]]
    scales = {s: [f"{s}{i}" for i in range(1, 6)] for s in "ACENO"}
    assert _close(cl.even_odd(items, scales), _arr(ref["even_odd_sb"])) < TOL
    assert _close(cl.even_odd(items, scales, spearman_brown=False), _arr(ref["even_odd_raw"])) < TOL


def test_psychsyn_matches_r(ref, bfi_items):
    pairs = cl.synonym_pairs(bfi_items, critval=0.45)
    assert pairs == list(zip(ref["psychsyn_pairs"]["first"], ref["psychsyn_pairs"]["second"]))
    assert _close(cl.psychometric_synonyms(bfi_items, critval=0.45), _arr(ref["psychsyn_45"])) < TOL
    ant_pairs = cl.synonym_pairs(bfi_items, critval=-0.30)
    assert ant_pairs == list(zip(ref["psychant_pairs"]["first"], ref["psychant_pairs"]["second"]))
    ant = cl.psychometric_synonyms(bfi_items, critval=-0.30)
    assert ant.name == "psychant"
    assert _close(ant, _arr(ref["psychant_30"])) < TOL


# ---------------------------------------------------------------------------------- hand-worked cases


def _runs(row):
    """Run lengths of a row by itertools.groupby; a missing answer is its own run of length 1."""
    runs, answered = [], []
    tokens = [("na", i) if math.isnan(v) else ("v", float(v)) for i, v in enumerate(row)]
    for key, grp in itertools.groupby(tokens, key=lambda t: t if t[0] == "na" else ("v", t[1])):
        n = len(list(grp))
        runs.append(n)
        if key[0] == "v":
            answered.append(n)
    return runs, answered


def test_longstring_small_matrix():
    straight = [4.0] * 6
    alternating = [1.0, 2.0] * 3
    three_then = [3.0, 3.0, 3.0, 2.0, 2.0, 5.0]
    gap = [4.0, 4.0, np.nan, 4.0, 4.0, 4.0]
    df = pd.DataFrame([straight, alternating, three_then, gap], index=["a", "b", "c", "d"],
                      columns=[f"q{i}" for i in range(6)])
    got = cl.longstring(df, avg=True)
    got_answered = cl.longstring(df, avg=True, na_runs=False)
    for label, row in zip(df.index, df.to_numpy()):
        runs, answered = _runs(row)
        assert got.loc[label, "longstr"] == max(answered)
        assert got.loc[label, "avgstr"] == pytest.approx(len(row) / len(runs))
        assert got_answered.loc[label, "avgstr"] == pytest.approx(sum(answered) / len(answered))
    # the straight-liner's run is the whole row; the missing answer breaks row d's run of five 4s
    assert got.loc["a", "longstr"] == len(straight)
    assert got.loc["d", "longstr"] < np.isfinite(gap).sum()


def test_longstring_random_against_groupby():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 4, size=(300, 12)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[7] = np.nan  # a respondent with no answers
    got = cl.longstring(pd.DataFrame(x), avg=True)
    for i, row in enumerate(x):
        runs, answered = _runs(row)
        if not answered:
            assert np.isnan(got.iloc[i, 0]) and np.isnan(got.iloc[i, 1])
            continue
        assert got.iloc[i, 0] == max(answered)
        assert got.iloc[i, 1] == pytest.approx(len(row) / len(runs))


def test_irv_small_against_statistics_stdev():
    df = pd.DataFrame(
        [[1, 1, 1, 1, 1, 1], [1, 5, 1, 5, 1, 5], [2, 3, np.nan, 4, 5, np.nan], [np.nan] * 5 + [3]],
        columns=list("abcdef"), dtype=float,
    )
    got = cl.irv(df)
    for i, row in enumerate(df.to_numpy()):
        vals = [v for v in row if not math.isnan(v)]
        expected = statistics.stdev(vals) if len(vals) >= 2 else float("nan")
        if math.isnan(expected):
            assert math.isnan(got.iloc[i])
        else:
            assert got.iloc[i] == pytest.approx(expected, abs=1e-12)
    assert got.iloc[0] == 0.0
    pop = cl.irv(df, ddof=0)
    assert pop.iloc[1] == pytest.approx(statistics.pstdev([1, 5, 1, 5, 1, 5]))


def test_mahalanobis_small_cases():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 4)) @ np.array([[1, .5, 0, 0], [0, 1, .3, 0], [0, 0, 1, .2], [0, 0, 0, 1]])
    df = pd.DataFrame(x, columns=list("abcd"))
    d2 = cl.mahalanobis(df)
    # identity: sum of D2 over the rows = trace(S^-1 (n-1) S) = (n - 1) p
    assert d2.sum() == pytest.approx((40 - 1) * 4, rel=1e-10)
    vi = np.linalg.inv(np.cov(x, rowvar=False))
    for i in (0, 17, 39):
        assert d2.iloc[i] == pytest.approx(scipy_mahalanobis(x[i], x.mean(axis=0), vi) ** 2, rel=1e-10)
    # a missing answer: NaN listwise; the complete rows' distances use complete rows only
    df2 = df.copy()
    df2.iloc[5, 2] = np.nan
    d2b = cl.mahalanobis(df2)
    assert np.isnan(d2b.iloc[5])
    assert d2b.drop(index=5).sum() == pytest.approx((39 - 1) * 4, rel=1e-10)


def _rowcorr(a, b):
    ok = np.isfinite(a) & np.isfinite(b)
    return np.corrcoef(a[ok], b[ok])[0, 1]


def test_even_odd_small():
    # 3 scales of 4 items; the odd-position items are (s1 q1, s1 q3, ...).
    cols = [f"s{s}q{i}" for s in range(1, 4) for i in range(1, 5)]
    scales = {f"s{s}": [f"s{s}q{i}" for i in range(1, 5)] for s in range(1, 4)}
    consistent = [1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5]  # halves equal on every scale -> r = 1
    reversed_ = [1, 5, 1, 5, 3, 3, 3, 3, 5, 1, 5, 1]  # odd halves 1,3,5 vs even 5,3,1 -> r = -1
    mixed = [1, 2, 3, 2, 4, 4, 2, 5, 5, 4, 5, 3]
    flat = [3] * 12  # no variance across scales -> NaN
    df = pd.DataFrame([consistent, reversed_, mixed, flat], columns=cols, dtype=float)
    got_raw = cl.even_odd(df, scales, spearman_brown=False)
    got = cl.even_odd(df, scales)
    x = df.to_numpy()
    for i in range(3):
        odd = np.array([x[i, [4 * s, 4 * s + 2]].mean() for s in range(3)])
        even = np.array([x[i, [4 * s + 1, 4 * s + 3]].mean() for s in range(3)])
        r = _rowcorr(odd, even)
        assert got_raw.iloc[i] == pytest.approx(r, abs=1e-12)
        assert got.iloc[i] == pytest.approx(max(2 * r / (1 + r), -1.0) if r > -1 else -1.0, abs=1e-12)
    assert got.iloc[0] == pytest.approx(1.0)
    assert got.iloc[1] == -1.0
    assert np.isnan(got.iloc[3])
    # only 2 scales with both halves answered -> NaN with the default min_scales = 3
    df.loc[2, ["s3q2", "s3q4"]] = np.nan
    assert np.isnan(cl.even_odd(df, scales).iloc[2])
    assert np.isfinite(cl.even_odd(df, scales, min_scales=2).iloc[2])


def _synthetic(n=300, seed=11):
    """Two correlated item clusters (synonyms within a cluster) on a 1-5 scale."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    cols, data = [], []
    for k in range(2):
        for i in range(4):
            cols.append(f"f{k}i{i}")
            data.append(np.clip(np.round(3 + 1.1 * f[:, k] + 0.45 * rng.normal(size=n)), 1, 5))
    return pd.DataFrame(np.column_stack(data), columns=cols, index=pd.RangeIndex(1000, 1000 + n))


def test_psychsyn_small_against_per_row_corrcoef():
    df = _synthetic()
    r = df.corr().to_numpy()
    pairs = [(j, k) for k in range(df.shape[1]) for j in range(k + 1, df.shape[1]) if r[j, k] > 0.6]
    assert len(pairs) >= 3
    got = cl.psychometric_synonyms(df)
    x = df.to_numpy()
    first, second = [p[0] for p in pairs], [p[1] for p in pairs]
    for i in (0, 5, 123):
        a, b = x[i, first], x[i, second]
        expected = np.corrcoef(a, b)[0, 1] if a.std() > 0 and b.std() > 0 else np.nan
        np.testing.assert_allclose(got.iloc[i], expected, atol=1e-12)
    assert got.index.equals(df.index)
    # antonyms: reverse one cluster's first item and its pairs become negative
    rev = df.copy()
    rev["f0i0"] = 6 - rev["f0i0"]
    ant_pairs = cl.synonym_pairs(rev, critval=-0.6)
    assert ant_pairs and all("f0i0" in p for p in ant_pairs)


def test_speeding():
    n_items = 10
    per_item = pd.Series([1.0, 1.999, 2.0, 5.0, np.nan], index=list("abcde"))
    flags = cl.speeding(per_item * n_items, n_items)
    assert flags.dtype == bool
    assert flags.tolist() == [v < 2.0 for v in per_item.fillna(np.inf)]
    assert cl.speeding(per_item * n_items, n_items, min_seconds_per_item=3).tolist() == [
        v < 3.0 for v in per_item.fillna(np.inf)
    ]


# ---------------------------------------------------------------------------------- careless_flags


def test_careless_flags_plants_are_caught_and_no_rows_dropped():
    df = _synthetic(n=300)
    idx = df.index
    df.loc[idx[0]] = 3.0  # straight-liner
    rng = np.random.default_rng(5)
    df.loc[idx[1]] = [1, 5, 1, 5, 5, 1, 5, 1]  # contradicts the clusters: an outlier
    duration = pd.Series(rng.uniform(60, 300, size=len(df)), index=idx)
    duration.iloc[2] = 10.0  # 10 s for 8 items: speeding
    scales = {"f0a": ["f0i0", "f0i1"], "f0b": ["f0i2", "f0i3"], "f1a": ["f1i0", "f1i1"], "f1b": ["f1i2", "f1i3"]}
    res = cl.careless_flags(df, scales=scales, duration=duration)
    assert res.indices.index.equals(idx) and res.flags.index.equals(idx)
    assert len(res.indices) == len(df)
    assert {"longstring", "longstring_avg", "irv", "mahalanobis", "mahalanobis_p", "psychsyn", "even_odd",
            "seconds_per_item"} <= set(res.indices.columns)
    assert res.thresholds["longstring"] == max(math.ceil(8 / 2), 6)
    f = res.flags
    assert f.loc[idx[0], "longstring"] and f.loc[idx[0], "irv"]
    assert f.loc[idx[1], "mahalanobis"] and f.loc[idx[1], "psychsyn"]
    assert f.loc[idx[2], "speeding"] and not f.loc[idx[3], "speeding"]
    flag_cols = [c for c in f.columns if c not in ("any", "n_flags")]
    assert (f["n_flags"] == f[flag_cols].sum(axis=1)).all()
    assert (f["any"] == f[flag_cols].any(axis=1)).all()
    # the flag follows its index and threshold
    assert (f["longstring"] == (res.indices["longstring"] >= res.thresholds["longstring"])).all()
    assert (f["mahalanobis"] == (res.indices["mahalanobis_p"] < 0.001)).all()
    text = res.summary()
    assert "no rows dropped" in text and f"{int(f['speeding'].sum()):>8d}" in text
    frame = res.to_frame()
    assert "flag_any" in frame and "n_flags" in frame and len(frame) == len(df)


def test_careless_flags_thresholds_and_missing():
    df = _synthetic(n=120)
    df.iloc[4, 2] = np.nan
    res = cl.careless_flags(df, thresholds={"longstring": 3, "irv": 0.5})
    assert res.thresholds["longstring"] == 3 and res.thresholds["irv"] == 0.5
    assert "even_odd" not in res.flags and "speeding" not in res.flags
    assert np.isnan(res.indices["mahalanobis"].iloc[4]) and not res.flags["mahalanobis"].iloc[4]
    assert (res.flags["irv"] == (res.indices["irv"] <= 0.5)).all()


def test_careless_flags_without_synonyms_warns():
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.integers(1, 6, size=(80, 6)).astype(float), columns=list("abcdef"))
    with pytest.warns(UserWarning, match="no psychometric synonyms"):
        res = cl.careless_flags(df)
    assert res.indices["psychsyn"].isna().all() and not res.flags["psychsyn"].any()


def test_careless_flags_with_constant_item_warns_and_keeps_other_indices():
    df = _synthetic(n=60)
    df["const"] = 4.0
    with pytest.warns(UserWarning, match="Mahalanobis distance not computed: .*singular"):
        res = cl.careless_flags(df)
    assert res.indices["mahalanobis"].isna().all() and not res.flags["mahalanobis"].any()
    assert res.indices["irv"].notna().all() and len(res.flags) == 60


def test_default_longstring_cutoff():
    assert cl.default_longstring_cutoff(9) == 6
    assert cl.default_longstring_cutoff(25) == 13
    assert cl.default_longstring_cutoff(4) == 6


# ---------------------------------------------------------------------------------- error paths


def test_errors():
    good = _synthetic(n=50)
    bad = good.copy()
    bad["f0i1"] = bad["f0i1"].astype(object)
    bad.loc[bad.index[3], "f0i1"] = "agree"
    with pytest.raises(EngageSurveyError, match=r"'f0i1' is not numeric.*'agree'"):
        cl.longstring(bad)
    with pytest.raises(EngageSurveyError, match="need at least 2 columns, got 1"):
        cl.irv(good[["f0i0"]])
    with pytest.raises(EngageSurveyError, match="scale 'x' names items that are not columns: nope"):
        cl.even_odd(good, {"x": ["f0i0", "nope"], "y": ["f1i0", "f1i1"]})
    with pytest.raises(EngageSurveyError, match="at least 2 scales"):
        cl.even_odd(good, {"x": ["f0i0", "f0i1"]})
    with pytest.raises(EngageSurveyError, match="no psychometric synonyms found"):
        cl.psychometric_synonyms(good, critval=0.99)
    with pytest.raises(EngageSurveyError, match="critval"):
        cl.psychometric_synonyms(good, critval=1.5)
    with pytest.raises(EngageSurveyError, match="unknown threshold 'longstrng'"):
        cl.careless_flags(good, thresholds={"longstrng": 4})
    with pytest.raises(EngageSurveyError, match="duration is negative"):
        cl.speeding([10, -1], 5)
    with pytest.raises(EngageSurveyError, match="n_items must be a positive integer"):
        cl.speeding([10, 20], 0)
    with pytest.raises(EngageSurveyError, match="missing must be"):
        cl.mahalanobis(good, missing="fiml")
    with pytest.raises(EngageSurveyError, match="singular"):
        cl.mahalanobis(good.assign(dup=good["f0i0"] + good["f0i1"]))
    with pytest.raises(EngageSurveyError, match="n_splits"):
        cl.irv(good, n_splits=20)
    with pytest.raises(EngageSurveyError, match="index does not match"):
        cl.careless_flags(good, duration=pd.Series(np.ones(len(good)) * 100))
