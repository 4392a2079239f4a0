"""engagesurvey.factor against psych 2.2.9 (tests/reference/factor.R -> factor.json)."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey import factor
from engagesurvey.errors import EngageSurveyError

REF = load_reference("factor")
BFI25 = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]
ROT = {"geominQ": "geomin", "none": None}


@pytest.fixture(scope="module")
def items():
    return load_dataset("bfi")[BFI25]


@pytest.fixture(scope="module")
def hs():
    return load_dataset("HolzingerSwineford1939")[[f"x{i}" for i in range(1, 10)]]


def _mat(x, nrow):
    return np.array(x, dtype=float).reshape(nrow, -1)


def match_columns(ours: np.ndarray, ref: np.ndarray):
    """Permutation and signs that align our factor columns with R's (max absolute Tucker congruence)."""
    num = ours.T @ ref
    cong = num / np.sqrt(np.outer((ours**2).sum(0), (ref**2).sum(0)))
    k = ref.shape[1]
    perm, used = np.zeros(k, int), set()
    for j in np.argsort(-np.abs(cong).max(axis=0)):  # most distinct reference factors first
        cand = [i for i in np.argsort(-np.abs(cong[:, j])) if i not in used]
        perm[j] = cand[0]
        used.add(cand[0])
    signs = np.sign(cong[perm, np.arange(k)])
    return perm, signs


def test_match_columns_recovers_a_permutation():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=(12, 4))
    ours = ref[:, [2, 0, 3, 1]] * np.array([1, -1, -1, 1])
    perm, signs = match_columns(ours, ref)
    np.testing.assert_allclose(ours[:, perm] * signs, ref)


def _run(case, items, hs):
    x = items if case["data"] == "bfi" else hs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return factor.efa(x, case["nf"], method=case["fm"], rotation=ROT.get(case["rotate"], case["rotate"]))


@pytest.mark.parametrize("name", list(REF["efa"]))
def test_efa_matches_psych(name, items, hs):
    case = REF["efa"][name]
    res = _run(case, items, hs)
    p, k = len(case["items"]), case["nf"]
    L_ref = _mat(case["loadings"], p)
    phi_ref = _mat(case["phi"], k)
    L = res.loadings.to_numpy()
    perm, signs = match_columns(L, L_ref)
    np.testing.assert_allclose(L[:, perm] * signs, L_ref, atol=1e-4)
    phi = res.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(signs, signs)
    np.testing.assert_allclose(phi, phi_ref, atol=1e-4)
    # psych's own order, names and signs, not only up to alignment
    np.testing.assert_allclose(L, L_ref, atol=1e-4)
    assert list(res.loadings.columns) == list(np.atleast_1d(case["factors"]))
    assert list(res.loadings.index) == case["items"]
    np.testing.assert_allclose(res.communalities, case["communality"], atol=1e-4)
    np.testing.assert_allclose(res.uniquenesses, case["uniquenesses"], atol=1e-4)
    np.testing.assert_allclose(res.values, case["values"], atol=1e-4)
    np.testing.assert_allclose(
        np.diag(L @ res.phi.to_numpy() @ L.T), res.communalities, atol=1e-10)
    f = res.fit
    assert f["df"] == case["dof"]
    assert f["chisq"] == pytest.approx(case["chisq"], rel=1e-4)
    for ours, theirs in [("pvalue", "pvalue"), ("rmsea", "rmsea"), ("rmsea_ci_lower", "rmsea_lower"),
                         ("rmsea_ci_upper", "rmsea_upper"), ("tli", "tli"), ("objective", "objective")]:
        assert f[ours] == pytest.approx(case[theirs], abs=1e-4), ours
    assert f["bic"] == pytest.approx(case["bic"], rel=1e-4)
    vacc = _mat(case["vaccounted"], len(case["vaccounted_rows"]))
    assert list(res.variance.index) == case["vaccounted_rows"]
    np.testing.assert_allclose(res.variance.to_numpy(), vacc, atol=1e-4)


def test_efa_from_a_correlation_matrix_and_moments(items):
    raw = factor.efa(items, 5)
    R = raw.correlation
    via_matrix = factor.efa(R, 5, n_obs=len(items))
    np.testing.assert_allclose(via_matrix.loadings, raw.loadings, atol=1e-8)
    assert via_matrix.fit["chisq"] == pytest.approx(raw.fit["chisq"], rel=1e-8)
    no_n = factor.efa(R, 5)
    assert np.isnan(no_n.fit["chisq"]) and np.isnan(no_n.fit["rmsea"])
    # a covariance matrix is rescaled to correlations; an object with .cov and .n (Moments) works too
    sd = items.std().to_numpy()
    cov = pd.DataFrame(R.to_numpy() * np.outer(sd, sd), index=R.index, columns=R.columns)
    moments = SimpleNamespace(cov=cov, n=len(items), means=items.mean())
    via_moments = factor.efa(moments, 5)
    np.testing.assert_allclose(via_moments.loadings, raw.loadings, atol=1e-8)
    assert via_moments.fit["chisq"] == pytest.approx(raw.fit["chisq"], rel=1e-8)


def test_efa_summary_and_frame(items):
    res = factor.efa(items, 3)
    text = res.summary()
    assert "RMSEA" in text and "MR1" in text and "factor correlations" in text
    frame = res.to_frame()
    assert list(frame.columns[-3:]) == ["h2", "u2", "com"]
    np.testing.assert_allclose(frame["h2"] + frame["u2"], 1.0)


def test_heywood_case_is_reported_and_warned():
    lam = np.array([0.99, 0.6, 0.5, 0.5, 0.4, 0.4])
    R = np.outer(lam, lam)
    np.fill_diagonal(R, 1)
    R[0, 1] = R[1, 0] = 0.75
    names = [f"v{i}" for i in range(1, 7)]
    with pytest.warns(UserWarning, match="Heywood case: communality >= 1 for v1"):
        res = factor.efa(pd.DataFrame(R, index=names, columns=names), 1, method="pa", n_obs=300)
    assert res.heywood == ["v1"]
    assert res.communalities["v1"] >= 1.0


def test_kmo_and_bartlett_match_psych(items, hs):
    k = factor.kmo(items)
    assert k.overall == pytest.approx(REF["kmo"]["overall"], abs=1e-6)
    np.testing.assert_allclose(k.per_item, REF["kmo"]["per_item"], atol=1e-6)
    assert list(k.per_item.index) == REF["kmo"]["items"]
    b = factor.bartlett(items)
    assert b.chi2 == pytest.approx(REF["bartlett"]["chisq"], rel=1e-6)
    assert b.df == REF["bartlett"]["df"]
    assert b.p_value == pytest.approx(REF["bartlett"]["p_value"], abs=1e-6)
    kh, bh = factor.kmo(hs), factor.bartlett(hs)
    assert kh.overall == pytest.approx(REF["kmo_hs"]["overall"], abs=1e-6)
    np.testing.assert_allclose(kh.per_item, REF["kmo_hs"]["per_item"], atol=1e-6)
    assert bh.chi2 == pytest.approx(REF["bartlett_hs"]["chisq"], rel=1e-6)
    assert bh.p_value == pytest.approx(REF["bartlett_hs"]["p_value"], abs=1e-6)
    assert "MSA" in k.summary() and "sphericity" in b.summary()


def test_map_and_scree_match_psych(items, hs):
    np.testing.assert_allclose(factor.map_test(items), REF["map"]["map"], atol=1e-6)
    np.testing.assert_allclose(factor.map_test(hs), REF["map_hs"]["map"], atol=1e-6)
    s = factor.scree(items)
    np.testing.assert_allclose(s["pc"], REF["scree"]["values"], atol=1e-6)
    np.testing.assert_allclose(s["fa"], REF["parallel"]["fa_values"], atol=1e-4)


def test_parallel_analysis_agrees_with_psych(items, hs):
    ref_nf = [r["nfact"] for r in REF["parallel"]["runs"]]
    ref_nc = [r["ncomp"] for r in REF["parallel"]["runs"]]
    target_nf, target_nc = max(set(ref_nf), key=ref_nf.count), max(set(ref_nc), key=ref_nc.count)
    runs = [factor.parallel_analysis(items, seed=s) for s in range(3)]
    assert sum(r.n_factors == target_nf for r in runs) >= 2
    assert sum(r.n_components == target_nc for r in runs) >= 2
    t = runs[0].table
    np.testing.assert_allclose(t["fa"], REF["parallel"]["fa_values"], atol=1e-4)
    np.testing.assert_allclose(t["pc"], REF["parallel"]["pc_values"], atol=1e-6)
    # simulated means are Monte Carlo: close to R's, not equal
    np.testing.assert_allclose(t["pc_sim"], REF["parallel"]["pc_sim"], atol=0.03)
    # (the first factor eigenvalue of pure noise varies most: Heywood-like draws)
    np.testing.assert_allclose(t["fa_sim"][1:], REF["parallel"]["fa_sim"][1:], atol=0.03)
    assert t["fa_sim"].iloc[0] == pytest.approx(REF["parallel"]["fa_sim"][0], abs=0.15)
    h = factor.parallel_analysis(hs, seed=1)
    assert (h.n_factors, h.n_components) == (REF["parallel_hs"]["nfact"], REF["parallel_hs"]["ncomp"])
    again = factor.parallel_analysis(hs, seed=1)
    pd.testing.assert_frame_equal(h.table, again.table)
    pc_only = factor.parallel_analysis(hs, seed=1, fa="pc", n_iter=5)
    assert np.isnan(pc_only.n_factors) and pc_only.n_components == h.n_components


@pytest.fixture
def small():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(50, 4)), columns=list("abcd"))


def test_error_paths(small):
    with pytest.raises(EngageSurveyError, match="at least 2 columns"):
        factor.efa(small[["a"]], 1)
    with pytest.raises(EngageSurveyError, match="too many for 4 items"):
        factor.efa(small, 3)
    with pytest.raises(EngageSurveyError, match="n_factors must be a positive integer"):
        factor.efa(small, 0)
    with pytest.raises(EngageSurveyError, match="no variance.*: c"):
        factor.efa(small.assign(c=1.0), 1)
    with pytest.raises(EngageSurveyError, match="column 'b' is not numeric"):
        factor.kmo(small.assign(b=["x"] + ["1"] * 49))
    with pytest.raises(EngageSurveyError, match="only 3 respondents for 4 items"):
        factor.efa(small.iloc[:3], 1)
    with pytest.raises(EngageSurveyError, match="singular.*(a|e).*(a|e)"):
        factor.efa(small.assign(e=small["a"] * 2 + 1), 1)
    with pytest.raises(EngageSurveyError, match="method must be one of"):
        factor.efa(small, 1, method="wls")
    with pytest.raises(EngageSurveyError, match="rotation must be one of"):
        factor.efa(small, 2, rotation="bentler")
    gap = small.copy()
    gap.loc[:24, "a"] = np.nan
    gap.loc[25:, "b"] = np.nan
    with pytest.raises(EngageSurveyError, match="'a' and 'b' have too few rows answered together"):
        factor.efa(gap, 1)
    R = small.corr()
    with pytest.raises(EngageSurveyError, match="bartlett needs n_obs"):
        factor.bartlett(R)
    with pytest.raises(EngageSurveyError, match="n_iter must be a positive integer"):
        factor.parallel_analysis(small, n_iter=0)
    with pytest.raises(EngageSurveyError, match="must be a pandas DataFrame"):
        factor.efa([[1, 2], [3, 4]], 1)


def test_efa_accepts_a_moments_object(items):
    moments = pytest.importorskip("engagesurvey.moments")
    complete = items.dropna()
    m = moments.Moments.from_frame(complete)
    via_moments = factor.efa(m, 5)
    direct = factor.efa(complete, 5)
    np.testing.assert_allclose(via_moments.loadings, direct.loadings, atol=1e-8)
    assert via_moments.n_obs == len(complete)
    assert via_moments.fit["chisq"] == pytest.approx(direct.fit["chisq"], rel=1e-8)


@pytest.mark.filterwarnings("ignore:Heywood case")
def test_indefinite_matrix_warns_but_fits():
    R = np.array([[1.0, 0.9, 0.9, 0.1], [0.9, 1.0, 0.2, 0.3], [0.9, 0.2, 1.0, 0.3], [0.1, 0.3, 0.3, 1.0]])
    names = list("abcd")
    assert np.linalg.eigvalsh(R)[0] < 0
    with pytest.warns(UserWarning, match="not positive definite"):
        res = factor.efa(pd.DataFrame(R, index=names, columns=names), 1, n_obs=100)
    assert res.loadings.shape == (4, 1)
