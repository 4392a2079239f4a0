"""engagesurvey.polychoric against psych 2.2.9 (fixture: tests/reference/reliability_polychoric.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from scipy.stats import multivariate_normal

from engagesurvey import polychoric as pc
from engagesurvey.errors import EngageSurveyError

REF = load_reference("reliability_polychoric")
A_ITEMS = ["A1", "A2", "A3", "A4", "A5"]
RHO_TOL = 1e-4  # iterative
TAU_TOL = 1e-6  # closed form


def mat(v):
    return np.array([[np.nan if x == "NA" else x for x in row] for row in v], dtype=float)


def poly_data(bfi, case):
    A = bfi[A_ITEMS].copy()
    if case == "poly_A":
        return A
    if case == "poly_25":
        return bfi.iloc[:, 1:26]
    if case == "poly_unequal":
        A.loc[A["A1"] == 6, "A1"] = 5
        return A
    if case == "poly_missing_cat":
        A.loc[A["A2"] == 3, "A2"] = 4
        A.loc[A["A3"] == 1, "A3"] = 2
        return A
    if case == "poly_small":
        return bfi.iloc[:60, 1:26]
    raise KeyError(case)


@pytest.mark.parametrize("case", ["poly_A", "poly_25", "poly_unequal", "poly_missing_cat", "poly_small"])
def test_polychoric_matches_psych(bfi, case):
    ref = REF[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pc.polychoric(poly_data(bfi, case))
    assert list(res.rho.columns) == ref["items"]
    np.testing.assert_allclose(res.rho.to_numpy(), mat(ref["rho"]), atol=RHO_TOL, rtol=0)
    np.testing.assert_allclose(res.thresholds.to_numpy(), mat(ref["tau"]), atol=TAU_TOL, rtol=0, equal_nan=True)
    # psych's +-Inf thresholds (categories an item never uses) are NaN here
    assert (np.isnan(res.thresholds.to_numpy()) == (mat(ref["tau_inf"]) != 0)).all()
    assert res.n == ref["n"]


def test_polychoric_flags_and_warnings(bfi):
    with pytest.warns(UserWarning, match="equal number of response alternatives"):
        res = pc.polychoric(poly_data(bfi, "poly_unequal"))
    assert not res.global_thresholds
    assert np.isnan(res.thresholds.loc["A1", "t5"]) and not np.isnan(res.thresholds.loc["A2", "t5"])
    with pytest.warns(UserWarning, match="not positive definite, smoothing was done"):
        small = pc.polychoric(poly_data(bfi, "poly_small"))
    assert small.smoothed and np.linalg.eigvalsh(small.rho.to_numpy()).min() > 0
    assert np.allclose(np.diag(small.rho), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = pc.polychoric(bfi[A_ITEMS])
    assert plain.global_thresholds and not plain.smoothed
    assert "Polychoric correlations" in plain.summary()
    assert plain.to_frame().shape == (5, 5)


def test_continuity_correction_pairwise_thresholds():
    rng = np.random.default_rng(4)
    z = rng.multivariate_normal([0, 0, 0], [[1, .5, .3], [.5, 1, .4], [.3, .4, 1]], size=60)
    df = pd.DataFrame(np.digitize(z, [-1.5, -0.5, 0.5, 1.5]), columns=["a", "b", "c"]).astype(float)
    df.loc[df["a"] == 4, "a"] = 3  # unequal categories -> pairwise thresholds + correction
    with pytest.warns(UserWarning) as rec:
        res = pc.polychoric(df)
    assert res.n_corrected > 0
    assert any("adjusted for 0 values" in str(w.message) for w in rec)
    off = res.rho.to_numpy()[np.triu_indices(3, 1)]
    assert np.all(np.abs(off) < 1) and np.all(off > 0)


def test_tetrachoric_matches_psych(bfi):
    B = (bfi[A_ITEMS] >= 4).astype(float).where(bfi[A_ITEMS].notna())
    res = pc.tetrachoric(B)
    np.testing.assert_allclose(res.rho.to_numpy(), mat(REF["tet_A"]["rho"]), atol=RHO_TOL, rtol=0)
    np.testing.assert_allclose(res.thresholds["t1"], REF["tet_A"]["tau"], atol=TAU_TOL, rtol=0)
    sub = bfi.iloc[:80][["A1", "A2", "C1", "E3"]]
    Bz = (sub >= 6).astype(float).where(sub.notna())
    z = pc.tetrachoric(Bz)
    assert z.n_corrected > 0 and z.kind == "tetrachoric"
    np.testing.assert_allclose(z.rho.to_numpy(), mat(REF["tet_zero"]["rho"]), atol=RHO_TOL, rtol=0)
    np.testing.assert_allclose(z.thresholds["t1"], REF["tet_zero"]["tau"], atol=TAU_TOL, rtol=0)


def test_bvn_cdf_against_scipy():
    rng = np.random.default_rng(0)
    h = rng.normal(scale=2, size=60)
    k = rng.normal(scale=2, size=60)
    r = np.concatenate([rng.uniform(-0.999, 0.999, 50), [0.93, -0.93, 0.99, -0.99, 0.0, 0.3, -0.3, 0.75, -0.75, 0.9995]])
    want = np.array([multivariate_normal([0, 0], [[1, c], [c, 1]]).cdf([a, b]) for a, b, c in zip(h, k, r)])
    np.testing.assert_allclose(pc.bvn_cdf(h, k, r), want, atol=1e-7, rtol=0)  # scipy's own accuracy
    inf = np.inf
    got = pc.bvn_cdf([inf, -inf, 0.3, inf, 0.0], [0.3, 1.0, inf, inf, 0.0], [0.5, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(got[:4], [0.6179114221889527, 0, 0.6179114221889527, 1], atol=1e-15)
    assert got[4] == pytest.approx(0.25 + np.arcsin(0.5) / (2 * np.pi), abs=1e-15)  # orthant formula


def test_brent_minimize_vectorised():
    centres = np.array([-0.7, -0.1, 0.0, 0.33, 0.95])
    x = pc.brent_minimize(lambda x, idx: (x - centres[idx]) ** 2 + 0.1 * (x - centres[idx]) ** 4, 5)
    np.testing.assert_allclose(x, centres, atol=1e-4)


def test_tight_tol_gives_exact_ml(bfi):
    loose = pc.polychoric(bfi[A_ITEMS]).rho.to_numpy()
    exact = pc.polychoric(bfi[A_ITEMS], tol=1e-10).rho.to_numpy()
    assert np.abs(loose - exact).max() < 1e-4
    assert not np.array_equal(loose, exact)


def test_polychoric_errors(bfi):
    X = bfi[A_ITEMS].astype(float).copy()
    X.loc[3, "A2"] = 2.5
    with pytest.raises(EngageSurveyError, match="integer category codes: column 'A2' has value 2.5"):
        pc.polychoric(X)
    with pytest.raises(EngageSurveyError, match="9 categories.*max_cat=8"):
        pc.polychoric(pd.DataFrame({"a": [1, 9, 2, 3], "b": [1, 2, 2, 3]}))
    with pytest.raises(EngageSurveyError, match="at least 2 columns"):
        pc.polychoric(bfi[["A1"]])
    with pytest.raises(EngageSurveyError, match="no variance.*b"):
        pc.polychoric(pd.DataFrame({"a": [1, 2, 2, 3], "b": [2, 2, 2, 2]}))
    with pytest.raises(EngageSurveyError, match="dichotomous items; more than two values in: A2"):
        pc.tetrachoric(pd.DataFrame({"A1": [0, 1, 1, 0], "A2": [1, 2, 3, 1]}))


def test_polychoric_pair_without_overlap_and_array_input():
    a = [1, 2, 3, 1, 2, 3, np.nan, np.nan, np.nan, np.nan]
    b = [np.nan] * 6 + [1, 2, 3, 2]
    c = [1, 2, 3, 2, 2, 3, 1, 2, 3, 3]
    with pytest.warns(UserWarning, match="some polychoric correlations are missing"):
        res = pc.polychoric(pd.DataFrame({"a": a, "b": b, "c": c}))
    assert np.isnan(res.rho.loc["a", "b"]) and np.isfinite(res.rho.loc["a", "c"])
    arr = pc.polychoric(np.column_stack([c, c[::-1], c[1:] + c[:1]]))
    assert list(arr.rho.columns) == ["V1", "V2", "V3"] and arr.thresholds.shape == (3, 2)
