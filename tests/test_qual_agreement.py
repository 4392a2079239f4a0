"""Agreement between coders, checked against base-R formulas, psych::cohen.kappa and published examples
(tests/reference/qual_kappa.R) and the krippendorff package."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.qual.agreement import (
    agreement,
    cohen_kappa,
    fleiss_from_counts,
    krippendorff_alpha,
)

REF = load_reference("qual_kappa")
TOL = 1e-6


def _kd():
    d = REF["krippendorff_example"]["data"]
    return np.array([[np.nan if v == "NA" else float(v) for v in row] for row in d])


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_worked_example(level):
    a = krippendorff_alpha(_kd(), level=level)
    assert a == pytest.approx(REF["krippendorff_example"]["alpha"][level], abs=TOL)
    assert round(a, 3) == REF["krippendorff_example"]["published"][level]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_package(level):
    kp = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    m = rng.integers(1, 6, size=(3, 25)).astype(float)
    m[0, :10] = m[1, :10]
    m[rng.random(m.shape) < 0.15] = np.nan
    for data in (m, _kd()):
        ours = krippendorff_alpha(data, level=level)
        theirs = kp.alpha(reliability_data=data, level_of_measurement=level)
        assert ours == pytest.approx(theirs, abs=1e-10)


def test_krippendorff_labels_and_frames():
    m = pd.DataFrame([["a", "b", "a", None], ["a", "b", "b", "c"]])
    codes = m.replace({"a": 1, "b": 2, "c": 3}).astype(float)
    assert krippendorff_alpha(m) == pytest.approx(krippendorff_alpha(codes.to_numpy()))
    assert np.isnan(krippendorff_alpha([[1, 1, 1], [1, 1, 1]]))


def test_fleiss_diagnoses():
    ref = REF["diagnoses"]
    raters = load_dataset("qual_diagnoses").drop(columns="patient").to_numpy()
    counts = np.stack([(raters == k).sum(1) for k in range(1, 6)], axis=1)
    r = fleiss_from_counts(counts)
    assert r["kappa"] == pytest.approx(ref["kappa"], abs=TOL)
    assert r["se"] == pytest.approx(ref["se"], abs=TOL)
    assert r["z"] == pytest.approx(ref["z"], abs=1e-5)
    assert round(r["kappa"], 3) == ref["published_kappa"]
    assert r["kappa"] == pytest.approx(ref["published_irr_kappa"], abs=1e-7)
    assert r["z"] == pytest.approx(ref["published_irr_z"], abs=1e-5)
    # the same through the long-format entry point
    long = pd.DataFrame({"unit": np.repeat(np.arange(30), 6), "coder": np.tile(np.arange(6), 30),
                         "code": raters.ravel()})
    res = agreement(long, n_boot=0)
    assert res.fleiss_kappa == pytest.approx(ref["kappa"], abs=TOL)
    assert np.isnan(res.cohen_kappa)  # six coders
    assert res.krippendorff_alpha == pytest.approx(ref["alpha_nominal"], abs=TOL)


def test_cohen_1968_textbook():
    ref = REF["cohen1968"]
    t = np.array(ref["table"])
    a = np.repeat(np.arange(3), t.sum(1).astype(int))
    b = np.concatenate([np.repeat(np.arange(3), t[i].astype(int)) for i in range(3)])
    r = cohen_kappa(a, b)
    assert r["kappa"] == pytest.approx(ref["psych_kappa"], abs=TOL)
    assert r["se"] ** 2 == pytest.approx(ref["psych_var"], abs=TOL)
    assert r["ci"][0] == pytest.approx(ref["psych_lower"], abs=TOL)
    assert r["ci"][1] == pytest.approx(ref["psych_upper"], abs=TOL)
    assert r["z"] == pytest.approx(ref["z"], abs=TOL)
    assert round(r["kappa"], 3) == ref["published_kappa"]


def test_shared_dataset_against_r():
    ref = REF["shared"]
    coded = load_dataset("qual_coded")
    two = coded[coded["coder"].isin(["A", "B"])]
    r2 = agreement(two, n_boot=0)
    assert r2.cohen_kappa == pytest.approx(ref["cohen_kappa"], abs=TOL)
    assert r2.cohen_se == pytest.approx(ref["cohen_se"], abs=TOL)
    assert r2.cohen_se ** 2 == pytest.approx(ref["psych_var"], abs=TOL)
    assert r2.cohen_ci[0] == pytest.approx(ref["cohen_lower"], abs=TOL)
    assert r2.cohen_ci[1] == pytest.approx(ref["cohen_upper"], abs=TOL)
    assert r2.cohen_z == pytest.approx(ref["cohen_z"], abs=TOL)
    r3 = agreement(coded, n_boot=200, seed=1)
    assert np.isnan(r3.cohen_kappa)
    assert r3.fleiss_kappa == pytest.approx(ref["fleiss_kappa"], abs=TOL)
    assert r3.fleiss_se == pytest.approx(ref["fleiss_se"], abs=TOL)
    assert r3.fleiss_z == pytest.approx(ref["fleiss_z"], abs=TOL)
    assert r3.percent_agreement == pytest.approx(ref["fleiss_p_bar"], abs=TOL)
    assert r3.krippendorff_alpha == pytest.approx(ref["alpha_nominal"], abs=TOL)
    lo, hi = r3.alpha_ci
    assert lo < r3.krippendorff_alpha < hi
    for code, pc in ref["per_code"].items():
        row = r3.by_code.loc[code]
        assert row["krippendorff_alpha"] == pytest.approx(pc["alpha"], abs=TOL)
        assert row["fleiss_kappa"] == pytest.approx(pc["fleiss"], abs=TOL)
        assert row["prevalence"] == pytest.approx(pc["prevalence"], abs=TOL)
        assert np.isnan(row["cohen_kappa"])
    rb = agreement(two, n_boot=0).by_code
    for code, pc in ref["per_code"].items():
        assert rb.loc[code, "cohen_kappa"] == pytest.approx(pc["cohen"], abs=TOL)


def test_bootstrap_is_seeded_and_summary():
    coded = load_dataset("qual_coded")
    a = agreement(coded, n_boot=300, seed=7)
    b = agreement(coded, n_boot=300, seed=7)
    assert a.alpha_ci == b.alpha_ci
    assert a.by_code.equals(b.by_code)
    text = a.summary()
    assert "Krippendorff" in text and "Per code" in text
    assert set(a.to_frame().index) == {"cohen_kappa", "fleiss_kappa", "krippendorff_alpha"}


def test_multi_label_overall_is_nan_with_warning():
    d = pd.DataFrame({"unit": [1, 1, 2, 2, 1, 2, 3, 3], "coder": list("AAAABBAB"),
                      "code": ["x", "y", "x", "x", "x", "y", "y", "y"]})
    with pytest.warns(UserWarning, match="several codes"):
        r = agreement(d, n_boot=0)
    assert r.multi_label and np.isnan(r.fleiss_kappa) and np.isnan(r.krippendorff_alpha)
    assert set(r.by_code.index) == {"x", "y"}
    assert r.by_code.loc["y", "n_units"] == 3


def test_errors():
    d = pd.DataFrame({"unit": [1, 2], "coder": ["A", "A"], "code": ["x", "y"]})
    with pytest.raises(EngageSurveyError, match="at least 2 coders"):
        agreement(d)
    with pytest.raises(EngageSurveyError, match="coder column 'rater' not found"):
        agreement(d, coder="rater")
    with pytest.raises(EngageSurveyError, match="unseen must be"):
        agreement(d, unseen="zero")
    with pytest.raises(EngageSurveyError, match="level must be one of"):
        krippendorff_alpha([[1, 2]], level="metric")
    with pytest.raises(EngageSurveyError, match="needs numbers, got 'a'"):
        krippendorff_alpha([["a", 2]], level="interval")
