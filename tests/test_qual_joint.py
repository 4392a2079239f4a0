"""Joint displays, checked against chisq.test / fisher.test / p.adjust (tests/reference/qual_joint.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.qual.joint import holm, joint_display, side_by_side

REF = load_reference("qual_joint")
RESP = load_dataset("qual_joint_respondents")
CODED = load_dataset("qual_joint_coded")
TOL = 1e-6


def test_holm_matches_p_adjust():
    ex = REF["holm_example"]
    p = np.array([np.nan if v is None else v for v in ex["p"]])
    adj = holm(p)
    want = np.array([np.nan if v is None else v for v in ex["adj"]])
    np.testing.assert_allclose(adj, want, atol=TOL)


@pytest.mark.parametrize("by", ["agency", "sex", "we"])
def test_tests_match_r(by):
    ref = REF["tertile" if by == "we" else by]
    jd = joint_display(CODED, RESP, by=by, n_sim=20000, seed=11, comment_min=5)
    assert [str(g) for g in jd.group_n.index] == ref["levels"]
    for theme, r in ref["themes"].items():
        row = jd.table.loc[theme]
        assert list(jd.counts.loc[theme]) == r["counts"]
        if r["test"] == "chisq":
            assert row["test"].startswith("chi-square")
            assert row["statistic"] == pytest.approx(r["statistic"], abs=TOL)
            assert row["pvalue"] == pytest.approx(r["pvalue"], abs=TOL)
        elif len(ref["levels"]) == 2:
            assert row["test"] == "Fisher exact"
            assert row["pvalue"] == pytest.approx(r["pvalue"], abs=TOL)
        else:  # Monte Carlo estimate of the exact r x c p-value: within 4 Monte Carlo SEs
            assert "Monte Carlo" in row["test"]
            se = np.sqrt(r["pvalue"] * (1 - r["pvalue"]) / 20000)
            assert abs(row["pvalue"] - r["pvalue"]) < 4 * se + 1e-4
    holm_r = np.array([ref["holm"][t] for t in ref["themes"]])
    exact = len(ref["levels"]) == 2  # no Monte Carlo p-value among the themes
    np.testing.assert_allclose(jd.table.loc[list(ref["themes"]), "p_holm"], holm_r,
                               atol=TOL if exact else 0.01)


def test_tertiles_match_r_quantiles():
    jd = joint_display(CODED, RESP, by="we", seed=1)
    assert list(jd.group_n.index) == ["low", "middle", "high"]
    want = pd.Series(REF["tertile_groups"]).value_counts()
    assert dict(jd.group_n) == {k: int(want[k]) for k in ["low", "middle", "high"]}


def test_quotes_respect_threshold_and_meta():
    jd = joint_display(CODED, RESP, by="agency", seed=3, comment_min=10)
    # only cells with >= 10 respondents mentioning the theme get quotes
    for r in jd.quotes.itertuples():
        assert jd.counts.loc[r.theme, r.group] >= 10
    assert set(jd.quotes["theme"]) <= {"ownership", "feedback"}
    assert len(jd.quotes) > 0
    jd5 = joint_display(CODED, RESP, by="agency", seed=3, comment_min=5)
    assert len(jd5.quotes) > len(jd.quotes)
    again = joint_display(CODED, RESP, by="agency", seed=3, comment_min=5)
    pd.testing.assert_frame_equal(jd5.quotes, again.quotes)
    with pytest.raises(EngageSurveyError, match="cannot be below 5"):
        joint_display(CODED, RESP, by="agency", comment_min=4)
    m = joint_display(CODED, RESP, by="agency", meta={"feedback": "confirms",
                                                      "barriers_time": {"meta_inference": "Diverges",
                                                                        "note": "interviews say otherwise"}})
    assert m.table.loc["feedback", "meta_inference"] == "confirms"
    assert m.table.loc["barriers_time", "meta_inference"] == "diverges"
    assert m.table.loc["barriers_time", "meta_note"] == "interviews say otherwise"
    assert m.table.loc["ownership", "meta_inference"] == ""
    assert "meta_inference" in m.summary()


def test_meta_from_csv_and_errors(tmp_path):
    p = tmp_path / "meta.csv"
    pd.DataFrame({"theme": ["ownership"], "meta_inference": ["expands"], "note": ["x"]}).to_csv(p, index=False)
    jd = joint_display(CODED, RESP, by="sex").with_meta(p)
    assert jd.table.loc["ownership", "meta_inference"] == "expands"
    with pytest.raises(EngageSurveyError, match="'contradicts' is not one of"):
        jd.with_meta({"ownership": "contradicts"})
    with pytest.raises(EngageSurveyError, match="theme 'kopi' is not in the display"):
        jd.with_meta({"kopi": "confirms"})
    bad = pd.concat([CODED, pd.DataFrame({"unit": ["X99"], "theme": ["feedback"], "excerpt": ["x"]})])
    with pytest.raises(EngageSurveyError, match="unit 'X99' matches no respondent"):
        joint_display(bad, RESP, by="agency")
    with pytest.raises(EngageSurveyError, match="column 'unit_kerja' not found"):
        joint_display(CODED, RESP, by="unit_kerja")


def test_small_groups_left_out_and_text_denominator():
    resp = RESP.copy()
    resp.loc[:3, "agency"] = "Tiny"
    resp["text"] = np.where(np.arange(len(resp)) % 7 == 0, "", "ada komentar")
    jd = joint_display(CODED, resp, by="agency", text="text", min_group=5)
    assert "Tiny" not in jd.group_n.index
    assert any("fewer than 5" in n for n in jd.notes)
    commented = resp[(resp["text"] != "") & (resp["agency"] != "Tiny")]
    assert dict(jd.group_n) == dict(commented["agency"].value_counts().sort_index())


def test_side_by_side():
    scores = RESP.rename(columns={"agency": "unit_name"})
    t = side_by_side(scores, CODED, group="unit_name", scales=["we"])
    assert list(t.columns[:2]) == ["n", "we"]
    assert t.loc["LAN", "we"] == pytest.approx(RESP.loc[RESP["agency"] == "LAN", "we"].mean())
    want = CODED[CODED["theme"] == "feedback"]["unit"].isin(RESP.loc[RESP["agency"] == "LAN", "id"]).sum() / 20
    assert t.loc["LAN", "pct_feedback"] == pytest.approx(want)
    small = side_by_side(scores.iloc[:43], CODED[CODED["unit"].isin(scores["id"].iloc[:43])],
                         group="unit_name", scales=["we"])
    assert small.attrs["suppressed"] == 1 and "KemenPAN" not in small.index
