"""Row-wise statistics (engagesurvey.row_stats) against pandas/numpy computed the obvious way."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagesurvey import row_stats


def matrix(seed: int, n: int = 300, p: int = 7, missing: float = 0.2, codes: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, (n, p)).astype(float) if codes else rng.normal(size=(n, p))
    x[:, 1] = x[:, 0] + rng.integers(0, 2, n)  # a correlated pair
    x[rng.random(x.shape) < missing] = np.nan
    x[::23] = np.nan  # rows with nothing answered
    return np.asfortranarray(x)


@pytest.mark.parametrize("seed", range(4))
def test_pairwise_corr_and_cov_equal_pandas(seed):
    x = matrix(seed, codes=seed % 2 == 0)
    frame = pd.DataFrame(x)
    np.testing.assert_allclose(row_stats.pairwise_corr(x), frame.corr().to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(row_stats.pairwise_cov(x), frame.cov().to_numpy(), rtol=1e-12, atol=1e-12)


def test_pairwise_sums_do_not_depend_on_the_block_size():
    x = matrix(9, n=1000)
    whole = row_stats._pairwise_sums(x)
    blocks = row_stats._pairwise_sums(x, chunk_rows=37)
    for a, b in zip(whole, blocks):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("ddof", [0, 1])
def test_row_sd_and_means_equal_numpy_nan_functions(ddof):
    x = matrix(1)
    with np.errstate(invalid="ignore", divide="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanstd(x, axis=1, ddof=ddof)
    k = (~np.isnan(x)).sum(axis=1)
    expected[k <= ddof] = np.nan
    np.testing.assert_allclose(row_stats.row_sd(x, ddof), expected, rtol=1e-12, atol=1e-14)
    with pytest.warns(RuntimeWarning):
        np.testing.assert_allclose(row_stats.row_means(x), np.nanmean(x, axis=1), rtol=1e-14)
    np.testing.assert_array_equal(row_stats.count_answered(x), k)


def test_row_corr_equals_corrcoef_row_by_row():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(60, 6))
    b = a + rng.normal(size=(60, 6))
    a[rng.random(a.shape) < 0.2] = np.nan
    b[5] = 1.0  # no variance: NaN
    r, pairs = row_stats.row_corr(a, b, min_pairs=3)
    for i in range(60):
        ok = ~np.isnan(a[i]) & ~np.isnan(b[i])
        assert pairs[i] == ok.sum()
        if ok.sum() < 3 or i == 5:
            assert np.isnan(r[i])
        else:
            assert r[i] == pytest.approx(np.corrcoef(a[i, ok], b[i, ok])[0, 1], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 3)), min_size=6, max_size=6), min_size=1, max_size=12))
def test_longest_run_equals_groupby(rows):
    x = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    longest, runs, answered = row_stats.longest_run(row_stats.columns_major(x))
    for i, row in enumerate(x):
        groups = [(k, len(list(g))) for k, g in itertools.groupby(
            [("na", j) if math.isnan(v) else float(v) for j, v in enumerate(row)])]
        answered_runs = [n for k, n in groups if not isinstance(k, tuple)]
        assert answered[i] == int((~np.isnan(row)).sum())
        assert runs[i] == len(answered_runs)
        assert longest[i] == (max(answered_runs) if answered_runs else 0)
