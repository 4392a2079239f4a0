"""Instrument validation: the pieces are the library's own (checked against R elsewhere); here we check
that validate() wires them to the right items and models, and that the CLI prints them."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import engagesurvey as es
from engagesurvey.cli import main
from engagesurvey.errors import EngageSurveyError
from engagesurvey.simulate import simulate
from engagesurvey.validation import cfa_model, validate


@pytest.fixture(scope="module")
def scored():
    survey = simulate(4, 40, 600, seed=11, labels=False)
    inst = es.combine_instruments(["we", "support"])
    return es.score(survey.data, inst, careless=False)


def test_cfa_model_uses_subscales_as_factors():
    model = cfa_model("we")
    inst = es.load_instrument("we")
    assert model.splitlines() == [f"{s} =~ " + " + ".join(inst.scales[s].items) for s in inst.scales["we"].subscales]
    assert cfa_model("support") == "support =~ " + " + ".join(es.load_instrument("support").scales["support"].items)


def test_validate_reuses_the_reverse_keyed_items(scored):
    report = validate(scored, "support")
    items = es.load_instrument("support").scales["support"].items
    direct = es.reliability.alpha(scored.items[items])
    assert report.scales["support"].alpha.alpha == pytest.approx(direct.alpha, abs=1e-12)
    # reverse-keyed items were reversed before: every corrected item-total correlation is positive
    assert (report.scales["support"].alpha.item_stats["r_drop"] > 0).all()
    cfa = es.cfa(report.cfa_model, scored.items[items].dropna())
    assert report.cfa.fit_measures["chisq"] == pytest.approx(cfa.fit_measures["chisq"], rel=1e-10)
    assert list(report.composite.index) == ["support"]


def test_validate_with_invariance_and_htmt(scored):
    report = validate(scored, "we", group="agency", invariance_levels=("configural", "metric"))
    assert list(report.invariance.table.index) == ["configural", "metric"]
    assert report.htmt.shape == (3, 3)
    assert np.allclose(np.diag(report.htmt.to_numpy()), 1.0)
    frame = report.to_frame()
    assert frame.loc["we", "alpha"] == pytest.approx(report.scales["we"].alpha.alpha)


def test_validate_unknown_group_is_an_error(scored):
    with pytest.raises(EngageSurveyError, match="group column 'division' is not in the data"):
        validate(scored, "we", group="division")


def test_validate_command(tmp_path):
    survey = simulate(4, 40, 400, seed=5)
    path = survey.write(tmp_path / "export.csv")
    res = CliRunner().invoke(main, ["validate", str(path), "-i", "we", "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    assert "Validation of we" in res.output and "alpha" in res.output
    assert (tmp_path / "v" / "reliability_we.csv").exists()
