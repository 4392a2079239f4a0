"""engagesurvey.reliability against psych 2.2.9 (fixture: tests/reference/reliability.R)."""

from __future__ import annotations

import sys
import types
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference

from engagesurvey import reliability as rel
from engagesurvey.errors import EngageSurveyError

REF = load_reference("reliability")
A_ITEMS = ["A1", "A2", "A3", "A4", "A5"]
C_ITEMS = ["C1", "C2", "C3", "C4", "C5"]
CLOSED = 1e-6


def num(v):
    """JSON list/scalar with R's "NA" strings -> float array."""
    if isinstance(v, (list, tuple)):
        return np.array([np.nan if x == "NA" else x for x in v], dtype=float)
    return np.nan if v == "NA" else float(v)


def close(ours, theirs, tol=CLOSED):
    ours, theirs = np.asarray(ours, float), np.asarray(num(theirs), float)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tol, equal_nan=True)


ALPHA_CASES = {
    "alpha_A_pairwise": (A_ITEMS, ["A1"], "pairwise"),
    "alpha_A_listwise": (A_ITEMS, ["A1"], "listwise"),
    "alpha_C_pairwise": (C_ITEMS, ["C4", "C5"], "pairwise"),
    "alpha_C_listwise": (C_ITEMS, ["C4", "C5"], "listwise"),
    "alpha_two_items": (["A2", "A3"], [], "pairwise"),
}
DROP = {"raw_alpha": "alpha_if_deleted", "std_alpha": "std_alpha_if_deleted", "g6": "g6_if_deleted",
        "average_r": "average_r_if_deleted", "signal_noise": "signal_noise_if_deleted",
        "alpha_se": "alpha_se_if_deleted", "var_r": "var_r_if_deleted", "med_r": "med_r_if_deleted"}


@pytest.mark.parametrize("case", list(ALPHA_CASES))
def test_alpha_matches_psych(bfi, case):
    items, rev, missing = ALPHA_CASES[case]
    ref = REF[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = rel.alpha(bfi[items], reverse=rev, missing=missing)
    for ours, key in [("alpha", "raw_alpha"), ("std_alpha", "std_alpha"), ("g6", "g6"), ("average_r", "average_r"),
                      ("signal_noise", "signal_noise"), ("ase", "ase"), ("mean", "mean"), ("sd", "sd"),
                      ("median_r", "median_r"), ("var_r", "var_r")]:
        close(getattr(res, ours), ref[key])
    close(res.ci, [ref["feldt_lower"], ref["feldt_upper"]])
    assert res.n_ci == ref["n_rows"]
    assert list(res.item_stats.index) == ref["items"]
    for col in ["n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"]:
        close(res.item_stats[col], ref["item_stats"][col])
    for key, col in DROP.items():
        close(res.item_stats[col], ref["alpha_drop"][key])


def test_alpha_n_rows_used(bfi):
    X = bfi[A_ITEMS]
    pw = rel.alpha(X, reverse=["A1"])
    lw = rel.alpha(X, reverse=["A1"], missing="listwise")
    assert pw.n == int(X.notna().any(axis=1).sum())
    assert lw.n == int(X.notna().all(axis=1).sum()) < pw.n
    assert lw.n_ci == pw.n_ci == len(X)  # psych's Feldt n: all rows passed


def test_alpha_ci_methods(bfi):
    ref = REF["alpha_A_pairwise"]
    d = rel.alpha(bfi[A_ITEMS], reverse=["A1"], ci_method="duhachek")
    close(d.ci, [ref["duhachek_lower"], ref["duhachek_upper"]])
    f90 = rel.alpha(bfi[A_ITEMS], reverse=["A1"], ci=0.90)
    close(f90.ci, ref["feldt90"])
    assert f90.ci_level == 0.90


def test_bootstrap_ci_monte_carlo_and_seed(bfi):
    X = bfi[A_ITEMS]
    b1 = rel.alpha(X, reverse=["A1"], ci_method="bootstrap", n_boot=2000, seed=7)
    b2 = rel.alpha(X, reverse=["A1"], ci_method="bootstrap", n_boot=2000, seed=7)
    b3 = rel.alpha(X, reverse=["A1"], ci_method="bootstrap", n_boot=2000, seed=8)
    assert b1.ci == b2.ci
    assert b1.ci != b3.ci
    duh = rel.alpha(X, reverse=["A1"], ci_method="duhachek").ci
    close(b1.ci, duh, tol=0.01)
    close(b1.ci, REF["alpha_A_boot_ci"], tol=0.01)  # psych's own bootstrap (n.iter = 1000)
    assert b1.ci[0] < b1.alpha < b1.ci[1]


def test_bootstrap_batched_equals_resample_by_resample(bfi):
    X = rel.reverse_items(bfi[A_ITEMS].astype(float), ["A1"]).iloc[:300].to_numpy()
    got = rel._boot_alphas(X, 4, seed=3)
    idx = np.random.default_rng(3).integers(0, len(X), size=(4, len(X)))
    for b in range(4):
        C = pd.DataFrame(X[idx[b]]).cov().to_numpy()  # pandas: pairwise-complete, n-1
        want = (1 - np.trace(C) / C.sum()) * 5 / 4
        assert got[b] == pytest.approx(want, abs=1e-12)


def test_alpha_from_cov_matches_raw_path(bfi):
    X = bfi[C_ITEMS].dropna()
    X = rel.reverse_items(X.astype(float), ["C4", "C5"])
    core = rel._alpha_from_cov(X.cov(), len(X))
    res = rel.alpha(X)
    assert core["raw_alpha"] == pytest.approx(res.alpha, abs=1e-12)
    assert core["ase"] == pytest.approx(res.ase, abs=1e-12)
    np.testing.assert_allclose(core["drop"]["raw_alpha"], res.item_stats["alpha_if_deleted"], atol=1e-12)


def test_reverse_warning_names_items(bfi):
    with pytest.warns(UserWarning, match=r"Some items \(A1\).*reverse"):
        rel.alpha(bfi[A_ITEMS])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rel.alpha(bfi[A_ITEMS], reverse=["A1"])  # no warning once keyed


def test_negative_alpha_warns():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "y": -x + rng.normal(scale=0.5, size=200)})
    with pytest.warns(UserWarning) as rec:
        res = rel.alpha(df)
    msgs = [str(w.message) for w in rec]
    assert res.alpha < 0
    assert any("alpha is negative" in m and ": x" in m for m in msgs)
    assert any(m.startswith("Some items (x)") for m in msgs)


def test_reverse_scale(bfi):
    X = bfi[A_ITEMS]
    default = rel.alpha(X, reverse=["A1"])
    scaled = rel.alpha(X, reverse=["A1"], scale=(0, 7))
    assert default.item_stats.loc["A1", "mean"] == pytest.approx(7 - X["A1"].mean(), abs=1e-12)
    assert scaled.item_stats.loc["A1", "mean"] == pytest.approx(7 - X["A1"].mean(), abs=1e-12)
    scaled2 = rel.alpha(X, reverse=["A1"], scale=(1, 7))
    assert scaled2.item_stats.loc["A1", "mean"] == pytest.approx(8 - X["A1"].mean(), abs=1e-12)
    assert scaled2.alpha == pytest.approx(default.alpha, abs=1e-12)


def test_summary_and_frame(bfi):
    res = rel.alpha(bfi[A_ITEMS], reverse=["A1"])
    text = res.summary()
    assert "raw_alpha" in text and "Feldt" in text and "Reliability if an item is dropped" in text
    assert "A1" in text and str(res) == text
    frame = res.to_frame()
    assert list(frame.index) == A_ITEMS and "alpha_if_deleted" in frame.columns


# ---------------------------------------------------------------------------- errors
def test_error_paths(bfi):
    with pytest.raises(EngageSurveyError, match="at least 2 columns, got 1"):
        rel.alpha(bfi[["A1"]])
    X = bfi[A_ITEMS].copy()
    X["A2"] = 3
    with pytest.raises(EngageSurveyError, match="no variance.*A2"):
        rel.alpha(X)
    X = bfi[A_ITEMS].astype(object)
    X.loc[5, "A3"] = "agree"
    with pytest.raises(EngageSurveyError, match="column 'A3' is not numeric.*'agree'"):
        rel.alpha(X)
    X = bfi[A_ITEMS].copy()
    X["A4"] = np.nan
    with pytest.raises(EngageSurveyError, match="no variance \\(constant or empty\\): A4"):
        rel.alpha(X)
    with pytest.raises(EngageSurveyError, match="not columns: Z9"):
        rel.alpha(bfi[A_ITEMS], reverse=["Z9"])
    with pytest.raises(EngageSurveyError, match="missing must be"):
        rel.alpha(bfi[A_ITEMS], missing="fiml")
    with pytest.raises(EngageSurveyError, match="ci_method must be"):
        rel.alpha(bfi[A_ITEMS], ci_method="wald")
    with pytest.raises(EngageSurveyError, match="ci must be a level"):
        rel.alpha(bfi[A_ITEMS], ci=95)


@pytest.mark.filterwarnings("ignore:Some items")
def test_too_few_rows():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3], "c": [1.0, 3, 2, 4],
                       "d": [4.0, 3, 1, 2], "e": [1.0, 1, 2, 2], "f": [2.0, 3, 3, 1]})
    with pytest.warns(UserWarning, match=r"fewer rows used \(4\) than items \(6\)"):
        rel.alpha(df, reverse=["d"])
    df2 = pd.DataFrame({"a": [1.0, np.nan, 3, 4], "b": [np.nan, 1, 4, np.nan], "c": [1.0, 3, 2, 4]})
    with pytest.raises(EngageSurveyError, match="leaves 1 complete rows"):
        rel.alpha(df2, missing="listwise")
    df3 = pd.DataFrame({"a": [1.0, 2, np.nan, np.nan], "b": [np.nan, np.nan, 4, 1], "c": [1.0, 3, 2, 4]})
    with pytest.raises(EngageSurveyError, match="'a' and 'b' are observed together in fewer than 2 rows"):
        rel.alpha(df3)


# ---------------------------------------------------------------------------- ordinal alpha
def test_ordinal_alpha_matches_psych(bfi):
    got = rel.ordinal_alpha(bfi[A_ITEMS], reverse=["A1"])
    close(got, REF["ordinal_alpha_A"]["std_alpha"], tol=1e-4)


# ---------------------------------------------------------------------------- split-half
SPLIT_CASES = {"split_half_10": (10, False), "split_half_9": (9, False), "split_half_10_covar": (10, True)}


@pytest.mark.parametrize("case", list(SPLIT_CASES))
def test_split_half_matches_psych(bfi, case):
    k, covar = SPLIT_CASES[case]
    items = (A_ITEMS + C_ITEMS)[:k]
    ref = REF[case]
    res = rel.split_half(bfi[items], reverse=[c for c in ["A1", "C4", "C5"] if c in items], covar=covar)
    for ours, key in [("lambda4_max", "maxrb"), ("lambda4_min", "minrb"), ("mean_split", "meanr"),
                      ("alpha", "alpha"), ("lambda2", "lambda2"), ("lambda6", "lambda6"),
                      ("average_r", "av_r"), ("median_r", "med_r")]:
        close(getattr(res, ours), ref[key])
    close(res.ci, [ref["ci"][0], ref["ci"][2]])
    assert res.n_splits == ref["n_splits"] and res.exhaustive
    for part in ["first_second", "odd_even"]:
        close(getattr(res, f"r_{part}"), ref[part]["r_halves"])
        close(getattr(res, f"spearman_brown_{part}"), ref[part]["spearman_brown"])
        close(getattr(res, f"guttman_{part}"), ref[part]["guttman"])


def test_split_half_best_split_is_consistent(bfi):
    items = A_ITEMS + C_ITEMS
    res = rel.split_half(bfi[items], reverse=["A1", "C4", "C5"])
    first, second = res.best_split
    assert len(first) == 5 and set(first) | set(second) == set(items)
    again = rel.split_half(bfi[list(first) + list(second)], reverse=["A1", "C4", "C5"])
    assert again.guttman_first_second == pytest.approx(res.lambda4_max, abs=1e-12)
    assert "Maximum split half reliability" in res.summary()
    assert res.to_frame().loc["lambda4_max", "value"] == res.lambda4_max


def test_split_half_random_sample(bfi):
    items = list(bfi.columns[1:18])  # 17 items: 12155 splits > n_sample
    a = rel.split_half(bfi[items], n_sample=500, seed=1)
    b = rel.split_half(bfi[items], n_sample=500, seed=1)
    assert not a.exhaustive and a.n_splits == 500
    assert a.lambda4_max == b.lambda4_max and a.mean_split == b.mean_split
    assert a.lambda4_min <= a.mean_split <= a.lambda4_max


# ---------------------------------------------------------------------------- delegating wrappers
def test_wrappers_delegate(bfi, monkeypatch):
    calls = []
    fake = types.ModuleType("engagesurvey.omega")
    fake.omega = lambda items=None, **kw: calls.append((items, kw)) or "done"
    monkeypatch.setitem(sys.modules, "engagesurvey.omega", fake)
    assert rel.omega(bfi[A_ITEMS], n_factors=1, reverse=["A1"]) == "done"
    assert calls[0][1]["n_factors"] == 1 and calls[0][1]["reverse"] == ["A1"]
    assert rel.ordinal_omega(bfi[A_ITEMS], n_factors=1, reverse=["A1"]) == "done"
    items, kw = calls[1]
    assert items is None and kw["n_obs"] == len(bfi) and kw["n_factors"] == 1
    R = kw["cov"]
    assert R.loc["A1", "A2"] == pytest.approx(-rel.polychoric(bfi[A_ITEMS]).rho.loc["A1", "A2"], abs=1e-8)
    monkeypatch.setitem(sys.modules, "engagesurvey.omega", None)
    with pytest.raises(EngageSurveyError, match="needs engagesurvey.omega"):
        rel.ordinal_omega(bfi[A_ITEMS])


def test_ordinal_omega_matches_psych(bfi):
    pytest.importorskip("engagesurvey.omega")
    items = [f"{t}{i}" for t in "ACE" for i in range(1, 6)]
    res = rel.ordinal_omega(bfi[items], n_factors=3, reverse=["A1", "C4", "C5", "E1", "E2"])
    ref = REF["ordinal_omega_ACE"]
    close(res.omega_hierarchical, ref["omega_h"], tol=1e-4)
    close(res.omega_total, ref["omega_total"], tol=1e-4)


def test_bootstrap_complete_data_path_and_row_blocks(bfi):
    X = rel.reverse_items(bfi[C_ITEMS].dropna().astype(float), ["C4", "C5"]).iloc[:400].to_numpy()
    W = np.random.default_rng(5).multinomial(len(X), np.full(len(X), 1 / len(X)), size=6).astype(float)
    C_fast, _ = rel._pairwise_moments(X, W)
    Xm = X.copy()
    Xm[0, 0] = np.nan  # forces the general (missing-data) design
    C_gen, _ = rel._pairwise_moments(np.vstack([X, Xm[:1]]), np.column_stack([W, np.zeros(6)]))
    np.testing.assert_allclose(C_fast, C_gen, atol=1e-10)
    for b in range(2):
        Xb = np.repeat(X, W[b].astype(int), axis=0)
        np.testing.assert_allclose(C_fast[b], np.cov(Xb, rowvar=False), atol=1e-10)
    blocks = rel._chunked_matmul(W, lambda rows: X[rows], max_cells=50)  # 10-row blocks
    np.testing.assert_allclose(blocks, W @ X, atol=1e-9)
