"""The hypothesis runner: spec validation, the estimates it reports, Holm adjustment and decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

import engagesurvey as es
from engagesurvey import hypotheses
from engagesurvey.errors import EngageSurveyError
from engagesurvey.simulate import DEMO_INSTRUMENTS, simulate


@pytest.fixture(scope="module")
def scored():
    survey = simulate(6, 60, 900, seed=21, labels=False)
    return es.score(survey.data, es.combine_instruments(DEMO_INSTRUMENTS), careless=False)


@pytest.fixture(scope="module")
def report(scored):
    return hypotheses.test(scored, seed=1, n_boot=500)


def test_default_spec_covers_h1_to_h6(report):
    assert list(report.table["id"]) == ["H1", "H2a", "H2b", "H2c", "H3", "H4", "H4w", "H5", "H6"]
    assert set(report.table.columns) >= {"id", "statement", "estimate", "ci", "pvalue", "decision"}
    for ci, lo, hi, est in zip(report.table["ci"], report.table["ci_lower"], report.table["ci_upper"],
                               report.table["estimate"]):
        assert ci == (lo, hi) and lo < est < hi


def test_h1_is_the_standardised_cluster_robust_slope(scored, report):
    frame = hypotheses.analysis_frame(scored)[["we", "cid", "unit"]].dropna()
    z = frame.assign(we=(frame.we - frame.we.mean()) / frame.we.std(), cid=(frame.cid - frame.cid.mean()) / frame.cid.std())
    direct = es.models.regression(z, "we ~ cid", cluster="unit").coef.loc["cid"]
    row = report.table.set_index("id").loc["H1"]
    assert row["estimate"] == pytest.approx(direct["est"], abs=1e-12)
    assert row["ci_lower"] == pytest.approx(direct["ci_lower"], abs=1e-12)
    # a standardised simple slope is the correlation
    assert row["estimate"] == pytest.approx(frame["we"].corr(frame["cid"]), abs=1e-10)


def test_holm_adjustment_and_decisions(report):
    t = report.table
    np.testing.assert_allclose(t["p_adjusted"], multipletests(t["pvalue"], method="holm")[1])
    expected = np.where((t["p_adjusted"] < 0.05) & np.where(t["expect"] == "negative", t["estimate"] < 0,
                                                             t["estimate"] > 0), "supported", "x")
    assert ((expected == "supported") == (t["decision"] == "supported")).all()


def test_contradicted_and_not_supported(scored):
    spec = {"id": "t", "hypotheses": [
        {"id": "A", "test": "regression", "y": "we", "x": "cid", "expect": "negative"},
        {"id": "B", "test": "regression", "y": "we", "x": "tenure_years", "expect": "positive"},
    ]}
    t = hypotheses.test(scored, spec, lang="id").table.set_index("id")
    assert t.loc["A", "decision"] == "bertentangan"
    assert t.loc["B", "p_adjusted"] > 0.05 and t.loc["B", "decision"] == "tidak didukung"


def test_dataframe_input(scored):
    frame = hypotheses.analysis_frame(scored)
    spec = {"hypotheses": [{"id": "H1", "test": "regression", "y": "we", "x": "cid"}]}
    a = hypotheses.test(frame, spec).table
    b = hypotheses.test(scored, spec).table
    assert a["estimate"].iloc[0] == b["estimate"].iloc[0]


@pytest.mark.parametrize("spec,pattern", [
    ({"hypotheses": []}, "non-empty 'hypotheses' list"),
    ({"hypotheses": [{"id": "X", "test": "anova", "y": "we"}]}, "test 'anova' is not one of"),
    ({"hypotheses": [{"id": "X", "test": "regression", "y": "we", "x": "cid"}] * 2}, "duplicate hypothesis id 'X'"),
    ({"hypotheses": [{"id": "X", "test": "regression", "y": "we", "x": "cid", "expect": "up"}]}, "expect must be"),
    ({"hypotheses": [{"id": "X", "test": "regression", "y": "we", "x": "nope"}]}, "column\\(s\\) not in the data: nope"),
    ("missing_spec.yaml", "hypothesis spec 'missing_spec.yaml' not found"),
])
def test_spec_errors(scored, spec, pattern):
    with pytest.raises(EngageSurveyError, match=pattern):
        hypotheses.test(scored, spec)


def test_h6_checks_discriminant_validity_by_htmt(scored, report):
    htmt = report.checks[report.checks["check"].str.startswith("HTMT")].set_index("check")
    assert list(htmt.index) == ["HTMT cid-support", "HTMT cid-feedback", "HTMT support-feedback"]
    inst = scored.instrument
    model = "\n".join(f"{s} =~ " + " + ".join(inst.scales[s].items) for s in ("cid", "support", "feedback"))
    direct = es.reliability.htmt(scored.items, model)  # semTools::htmt conventions, checked in test_sem_*
    assert htmt.loc["HTMT cid-support", "value"] == pytest.approx(direct.loc["cid", "support"], abs=1e-12)
    assert (htmt["ok"] == (htmt["value"] < 0.85)).all()


def test_discriminant_unknown_scale_is_an_error(scored):
    spec = {"hypotheses": [{"id": "X", "test": "regression", "y": "we", "x": "cid", "discriminant": ["cid", "nope"]}]}
    with pytest.raises(EngageSurveyError, match="unknown scale\\(s\\) nope"):
        hypotheses.test(scored, spec)


def test_malformed_yaml_spec_names_the_line(scored, tmp_path):
    p = tmp_path / "spec.yaml"
    p.write_text("hypotheses:\n  - id: H1\n    test: [regression\n", encoding="utf-8")
    with pytest.raises(EngageSurveyError, match=r"spec.yaml: not valid YAML \(line \d+\)"):
        hypotheses.test(scored, str(p))
