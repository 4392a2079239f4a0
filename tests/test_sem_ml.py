"""ML estimation, fit measures, modification indices and reliability vs lavaan 0.6-14 / semTools 0.5-6.

Fixtures: tests/reference/sem_hs.R, sem_poldem.R, sem_fiml.R (sample.cov part).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference
from sem_helpers import HS_MODEL, fm_diffs, pe_diffs, r_name

from engagesurvey.errors import EngageSurveyError
from engagesurvey.sem import SEMResult, cfa, sem
from engagesurvey.sem import fit as fitmod
from engagesurvey.sem.reliability import composite, htmt

TOL = 1e-4


@pytest.fixture(scope="module")
def hs():
    return load_dataset("HolzingerSwineford1939")


@pytest.fixture(scope="module")
def ref():
    return load_reference("sem_hs")


@pytest.fixture(scope="module")
def hs_ml(hs):
    return cfa(HS_MODEL, hs)


def _check(result, block):
    d = pe_diffs(result.estimates, block["pe"])
    assert max(d.values()) < TOL, d
    f = fm_diffs(result.fit_measures, block["fm"])
    assert max(f.values()) < TOL, {k: v for k, v in f.items() if v >= TOL}
    return f


@pytest.mark.parametrize("name, kw", [("ml", {}), ("stdlv", {"std_lv": True}), ("mean", {"meanstructure": True})])
def test_hs_cfa_matches_lavaan(hs, ref, name, kw):
    res = cfa(HS_MODEL, hs, **kw)
    f = _check(res, ref[name])
    for k in ("chisq", "df", "pvalue", "baseline_chisq", "baseline_df", "cfi", "tli", "rmsea", "rmsea_ci_lower",
              "rmsea_ci_upper", "rmsea_pvalue", "srmr", "aic", "bic", "bic2", "loglik", "unrestricted_loglik",
              "npar", "ntotal"):
        assert k in f
    assert abs(res.fit_measures["chisq"] - ref[name]["fm"]["chisq"]) < 1e-5


def test_fit_indices_closed_form_from_lavaan_chisq(ref):
    fm = ref["ml"]["fm"]
    X2, df, N = fm["chisq"], fm["df"], fm["ntotal"]
    X2b, dfb = fm["baseline.chisq"], fm["baseline.df"]
    assert abs(fitmod.cfi(X2, df, X2b, dfb) - fm["cfi"]) < 1e-10
    assert abs(fitmod.tli(X2, df, X2b, dfb) - fm["tli"]) < 1e-10
    assert abs(fitmod.rmsea(X2, df, N) - fm["rmsea"]) < 1e-10
    lo, hi = fitmod.rmsea_ci(X2, df, N)
    assert abs(lo - fm["rmsea.ci.lower"]) < 1e-6 and abs(hi - fm["rmsea.ci.upper"]) < 1e-6
    assert abs(fitmod.rmsea_pclose(X2, df, N) - fm["rmsea.pvalue"]) < 1e-8
    mlr = ref["mlr"]["fm"]
    c, cb = mlr["chisq.scaling.factor"], mlr["baseline.chisq.scaling.factor"]
    assert abs(fitmod.cfi(X2, df, X2b, dfb, c, cb) - mlr["cfi.robust"]) < 1e-10
    assert abs(fitmod.tli(X2, df, X2b, dfb, c, cb) - mlr["tli.robust"]) < 1e-10
    assert abs(fitmod.rmsea(X2, df, N, c=c) - mlr["rmsea.robust"]) < 1e-10


def test_result_object(hs_ml):
    assert isinstance(hs_ml, SEMResult)
    cols = ["lhs", "op", "rhs", "group", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"]
    assert all(c in hs_ml.estimates.columns for c in cols)
    assert hs_ml.estimates["group"].isna().all()
    assert hs_ml.to_frame().equals(hs_ml.estimates)
    text = hs_ml.summary()
    for part in ("Estimator", "ML", "Latent Variables:", "Covariances:", "Variances:", "85.306"):
        assert part in text
    assert all(type(v) is float for v in hs_ml.fit_measures.values())


def test_modindices_match_lavaan(hs_ml, ref):
    mi = hs_ml.modindices()
    r = pd.DataFrame(ref["mi"])
    m = r.merge(mi, on=["lhs", "op", "rhs"], suffixes=("_r", ""))
    assert len(m) == len(r) == len(mi)
    assert np.max(np.abs(m["mi"] - m["mi_r"])) < TOL * 10  # mi scales with N: 1e-4 relative to max(1, mi)
    assert np.max(np.abs(m["mi"] - m["mi_r"]) / np.maximum(1, m["mi_r"])) < TOL
    assert np.max(np.abs(m["epc"] - m["epc_r"])) < TOL
    assert np.max(np.abs(m["sepc_all"] - m["sepc.all"])) < TOL


def test_composite_and_htmt(hs, hs_ml, ref):
    c = composite(hs_ml)
    for f in ("visual", "textual", "speed"):
        assert abs(c.loc[f, "omega"] - ref["omega"][f]) < 1e-6
        assert abs(c.loc[f, "ave"] - ref["ave"][f]) < 1e-6
    for kind, key in (("htmt2", "htmt2"), ("htmt", "htmt")):
        h = htmt(hs, HS_MODEL, kind=kind)
        assert list(h.index) == ref[key]["names"]
        assert np.max(np.abs(h.to_numpy() - np.array(ref[key]["m"]))) < 1e-10
    with pytest.raises(EngageSurveyError, match="kind must be"):
        htmt(hs, HS_MODEL, kind="x")
    with pytest.raises(EngageSurveyError, match="'x10'"):
        htmt(hs, HS_MODEL + " + x10")


def test_sample_cov_input(hs):
    block = load_reference("sem_fiml")["samplecov"]
    cov = hs[[f"x{i}" for i in range(1, 10)]].cov()
    res = cfa(HS_MODEL, sample_cov=cov, sample_nobs=len(hs))
    _check(res, block)


@pytest.mark.parametrize("name, key", [("tutorial", "model"), ("labelled", "model2")])
def test_political_democracy(name, key):
    ref = load_reference("sem_poldem")
    res = sem(ref[key], load_dataset("PoliticalDemocracy"))
    _check(res, ref[name])
    if name == "labelled":
        ind = res.estimates[res.estimates.op == ":="].set_index("lhs")
        assert set(ind.index) == {"ind", "total"}


def test_observed_regression_with_fixed_x(hs):
    # a path model on observed variables: saturated, df 0; exogenous covariates fixed (fixed.x)
    res = sem("x9 ~ x7 + x8", hs)
    assert res.fit_measures["df"] == 0.0 and abs(res.fit_measures["chisq"]) < 1e-8
    X = np.column_stack([np.ones(len(hs)), hs["x7"], hs["x8"]])
    beta = np.linalg.lstsq(X, hs["x9"], rcond=None)[0]
    est = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    assert abs(est[("x9", "~", "x7")] - beta[1]) < 1e-6 and abs(est[("x9", "~", "x8")] - beta[2]) < 1e-6


def test_errors(hs):
    with pytest.raises(EngageSurveyError, match="'x10' in the model is not a column"):
        cfa("f =~ x1 + x2 + x10", hs)
    with pytest.raises(EngageSurveyError, match="unknown estimator"):
        cfa(HS_MODEL, hs, estimator="GLS")
    with pytest.raises(EngageSurveyError, match="missing must be"):
        cfa(HS_MODEL, hs, missing="pairwise")
    bad = hs.assign(x10=hs["x1"] + hs["x2"])
    with pytest.raises(EngageSurveyError, match="not positive definite"):
        cfa("f =~ x1 + x2 + x10", bad)
    with pytest.raises(EngageSurveyError, match=r"not identified.*parameter .f (=~|~~)"):
        cfa("f =~ NA*x1 + x2 + x3", hs)
    with pytest.raises(EngageSurveyError, match="sample_nobs"):
        cfa(HS_MODEL, sample_cov=hs[["x1"]].cov())


def test_heywood_case_warns():
    # three indicators with s12 s13 / s23 > s11: the exactly identified solution has theta_11 < 0
    cov = pd.DataFrame([[1, .8, .7], [.8, 1, .5], [.7, .5, 1]], index=list("abc"), columns=list("abc"))
    with pytest.warns(UserWarning, match=r"Heywood case\) for a ~~ a"):
        res = cfa("f =~ a + b + c", sample_cov=cov, sample_nobs=200)
    est = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    assert est[("a", "~~", "a")] < 0
