"""WLSMV (ordered indicators, delta parameterization) vs lavaan 0.6-14.

Fixture: tests/reference/sem_wlsmv.R (two-factor CFA of A1-A5, C1-C5 of bfi, listwise complete rows;
single group, std.lv, and two groups by gender: configural and thresholds + loadings equal).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_dataset, load_reference
from sem_helpers import fm_diffs, pe_diffs

from engagesurvey.errors import EngageSurveyError
from engagesurvey.sem import cfa
from engagesurvey.sem.categorical import cat_stats, ordered_codes

TOL = 1e-4
ITEMS = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
REQUIRED = ("chisq", "df", "pvalue", "chisq_scaled", "df_scaled", "pvalue_scaled", "chisq_scaling_factor",
            "cfi", "tli", "rmsea", "srmr", "cfi_scaled", "tli_scaled", "rmsea_scaled", "cfi_robust",
            "tli_robust", "rmsea_robust", "baseline_chisq", "baseline_chisq_scaled", "rmsea_ci_lower",
            "rmsea_ci_upper", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")


@pytest.fixture(scope="module")
def ref():
    return load_reference("sem_wlsmv")


@pytest.fixture(scope="module")
def data():
    bfi = load_dataset("bfi")
    return bfi.loc[bfi[ITEMS].notna().all(axis=1), ITEMS + ["gender"]]


@pytest.fixture(scope="module")
def single(ref, data):
    return cfa(ref["model"], data[ITEMS], ordered=True)


def test_sample_statistics_match_lavaan(ref, data):
    r = ref["single"]
    codes, nlev = ordered_codes(data[ITEMS].to_numpy(float), ITEMS)
    st = cat_stats(codes, nlev, ITEMS)
    assert np.abs(st.th - np.array(r["th"])).max() < 1e-6
    assert np.abs(st.cor - np.array(r["cor"])).max() < 1e-6
    gamma = np.array(r["gamma"])
    assert np.abs(st.gamma - gamma).max() / np.abs(gamma).max() < 1e-6
    assert np.abs(st.wls_vd / np.array(r["wls_v"]) - 1).max() < 1e-6


def test_wlsmv_matches_lavaan(ref, single):
    r = ref["single"]
    assert single.estimator == "WLSMV"
    assert single.nobs == {None: ref["nobs"]}
    d = pe_diffs(single.estimates, r["pe"])
    assert max(d.values()) < TOL, d
    f = fm_diffs(single.fit_measures, r["fm"])
    assert max(f.values()) < TOL, {k: v for k, v in f.items() if v >= TOL}
    assert set(REQUIRED) <= set(f), set(REQUIRED) - set(f)
    # lavaan's srmr for ordered data is srmr_bentler_nomean; srmr_bentler includes the thresholds
    assert abs(single.fit_measures["srmr"] - r["fm"]["srmr_bentler_nomean"]) < TOL
    assert abs(single.fit_measures["srmr_bentler"] - r["fm"]["srmr_bentler"]) < TOL


def test_delta_parameterization_residual_variances(single):
    est = single.estimates
    psi = est.query("lhs == 'agree' and op == '~~' and rhs == 'agree'")["est"].item()
    lam = est.query("lhs == 'agree' and op == '=~'").set_index("rhs")["est"]
    res = est.query("op == '~~' and lhs == rhs and lhs in @lam.index").set_index("lhs")
    np.testing.assert_allclose(res["est"], 1 - lam[res.index] ** 2 * psi, atol=1e-12)
    assert (res["se"] == 0).all()
    th = est[est["op"] == "|"]
    assert len(th) == 50 and (th["se"] > 0).all()
    assert (est.loc[est["op"] == "~*~", "est"] == 1).all()
    text = single.summary()
    assert "Thresholds:" in text and "A1|t1" in text and "Scales y*:" in text


def test_std_lv_matches_lavaan(ref, data):
    res = cfa(ref["model"], data[ITEMS], ordered=ITEMS, std_lv=True)
    d = pe_diffs(res.estimates, ref["stdlv"]["pe"])
    assert max(d.values()) < TOL, d
    f = fm_diffs(res.fit_measures, ref["stdlv"]["fm"])
    assert max(f.values()) < TOL, f


def test_category_codes_do_not_matter(ref, data, single):
    recoded = data[ITEMS] * 10 + 3
    res = cfa(ref["model"], recoded, ordered=True)
    np.testing.assert_allclose(res.estimates["est"], single.estimates["est"], atol=1e-10)
    assert abs(res.fit_measures["chisq"] - single.fit_measures["chisq"]) < 1e-8


@pytest.mark.parametrize("key,group_equal", [("configural", ()), ("thload", ("thresholds", "loadings"))])
def test_multigroup_matches_lavaan(ref, data, key, group_equal):
    res = cfa(ref["model"], data, ordered=True, group="gender", group_equal=group_equal)
    labels = list(res.nobs)
    assert [str(v) for v in labels] == ref["configural"]["group_labels"]
    d = pe_diffs(res.estimates, ref[key]["pe"], labels)
    assert max(d.values()) < TOL, d
    fm_ref = ref[key]["fm"]
    f = fm_diffs(res.fit_measures, {k: v for k, v in fm_ref.items() if v != "NA"})
    assert max(f.values()) < TOL, {k: v for k, v in f.items() if v >= TOL}
    assert {"chisq", "chisq_scaled", "cfi_scaled", "rmsea_scaled", "srmr"} <= set(f)
    if key == "configural":
        assert {"cfi_robust", "rmsea_robust"} <= set(f)
    else:  # free scale factors: lavaan 0.6-14 reports NA for the robust (catML) indices
        assert fm_ref["cfi.robust"] == "NA" and np.isnan(res.fit_measures["cfi_robust"])
        scales = res.estimates[(res.estimates["op"] == "~*~")]
        assert (scales["se"] > 0).sum() == 10


def test_errors(ref, data):
    model = ref["model"]
    with pytest.raises(EngageSurveyError, match="'C1' is not in ordered"):
        cfa(model, data, ordered=["A1", "A2", "A3", "A4", "A5"])
    with pytest.raises(EngageSurveyError, match="missing='listwise'"):
        cfa(model, data, ordered=True, missing="fiml")
    with pytest.raises(EngageSurveyError, match="'MLR' is not available with ordered"):
        cfa(model, data, ordered=True, estimator="MLR")
    with pytest.raises(EngageSurveyError, match="WLSMV needs ordered indicators"):
        cfa(model, data, estimator="WLSMV")
    with pytest.raises(EngageSurveyError, match="raw data"):
        cfa(model, None, ordered=True, sample_cov=data[ITEMS].cov(), sample_nobs=len(data))
    with pytest.raises(EngageSurveyError, match="'intercepts' is not available with ordered"):
        cfa(model, data, ordered=True, group="gender", group_equal=("loadings", "intercepts"))
    with pytest.raises(EngageSurveyError, match="ordered names 'Z9'"):
        cfa(model, data, ordered=ITEMS + ["Z9"])
    bad = data.copy()
    bad["A1"] = bad["A1"].astype(object)
    bad.iloc[3, bad.columns.get_loc("A1")] = "often"
    with pytest.raises(EngageSurveyError, match="column 'A1' is not numeric"):
        cfa(model, bad, ordered=True)
    sparse = data.copy()
    sparse.loc[(sparse["gender"] == 1) & (sparse["A1"] == 6), "A1"] = 5
    with pytest.raises(EngageSurveyError, match="categories of ordered variable 'A1' are empty in group"):
        cfa(model, sparse, ordered=True, group="gender")


def test_modindices_not_available(single):
    with pytest.raises(EngageSurveyError, match="not available for WLSMV"):
        single.modindices()


def test_constant_item_is_an_error(ref, data):
    const = data[ITEMS].copy()
    const["A1"] = 3
    with pytest.raises(EngageSurveyError, match="'A1' has fewer than two categories"):
        cfa(ref["model"], const, ordered=True)
