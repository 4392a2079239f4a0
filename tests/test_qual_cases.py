"""Case selection for explanatory-sequential follow-up, checked against lme4 (tests/reference/qual_cases.R)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.qual.cases import select_cases

REF = load_reference("qual_cases")
DATA = load_dataset("qual_cases")


def test_eb_residuals_match_lme4():
    res = select_cases(DATA, seed=1)
    eb = res.units["eb_residual"]
    for unit, want in REF["ranef"].items():
        assert eb[unit] == pytest.approx(want, abs=1e-4)
    assert res.sd_total == pytest.approx((REF["tau2"] + REF["sigma2"]) ** 0.5, abs=1e-4)
    cov = select_cases(DATA, covariates=["tenure"], seed=1).units["eb_residual"]
    for unit, want in REF["ranef_tenure"].items():
        assert cov[unit] == pytest.approx(want, abs=1e-4)


def test_selection_rules(tmp_path):
    res = select_cases(DATA, n_per_type=2, seed=5, min_unit_size=5, out=tmp_path / "frame.csv")
    f = res.frame
    units = res.units
    for s, part in f.groupby("stratum"):
        u = units[(units["stratum"] == s) & (units["n_respondents"] >= 5)]
        pos = part[part["case_type"] == "positive deviant"]
        assert list(pos["unit"]) == list(u[u["eb_residual"] > 0].sort_values("eb_residual", ascending=False)
                                         .index[:2])
        neg = part[part["case_type"] == "negative deviant"]
        assert list(neg["unit"]) == list(u[u["eb_residual"] < 0].sort_values("eb_residual").index[:2])
        typ = part[part["case_type"] == "typical"]
        assert not set(typ["unit"]) & (set(pos["unit"]) | set(neg["unit"]))
    assert (f["n_respondents"] >= 5).all()
    assert f["reason"].str.contains(r"(?:SD above|SD below|SD from) prediction").all()
    assert f["reason"].iloc[0].startswith("positive deviant: unit we ")
    assert "rank 1 of 8 in agency" in f["reason"].iloc[0]
    written = pd.read_csv(tmp_path / "frame.csv")
    assert list(written["unit"]) == list(f["unit"])
    assert "id" not in written.columns
    again = select_cases(DATA, n_per_type=2, seed=5)
    pd.testing.assert_frame_equal(f, again.frame)
    assert "Interview sampling frame" in res.summary()


def test_no_stratum_and_errors():
    res = select_cases(DATA, stratum=None, n_per_type=1, seed=2)
    assert set(res.frame["case_type"]) == {"positive deviant", "negative deviant", "typical"}
    assert len(res.frame) == 3
    with pytest.raises(EngageSurveyError, match="column 'engagement' not found"):
        select_cases(DATA, outcome="engagement")
    with pytest.raises(EngageSurveyError, match="n_per_type must be"):
        select_cases(DATA, n_per_type=0)
    bad = DATA.copy()
    bad.loc[0, "agency"] = "LAN" if bad.loc[0, "agency"] != "LAN" else "BKN"
    with pytest.raises(EngageSurveyError, match="appears in more than one 'agency'"):
        select_cases(bad)
