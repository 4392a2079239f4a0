"""Planning the next wave: the section's numbers are es.power's numbers (same seed), its inputs match R,
and the rendered HTML shows exactly the context's numbers."""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import load_dataset, load_reference

import engagesurvey as es
import engagesurvey.power as pw
from engagesurvey.errors import EngageSurveyError
from engagesurvey.report import planning
from engagesurvey.report.build import environment
from engagesurvey.report.i18n import fmt_number, t
from engagesurvey.simulate import DEMO_INSTRUMENTS, simulate

REPS = 200
PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8">{% include "partials/style.html.j2" %}</head>'
        '<body>{% include "partials/planning.html.j2" %}</body></html>')


class Cells(HTMLParser):
    """Text of every <td>/<th> with its attributes and the attributes of its row and table."""

    def __init__(self):
        super().__init__()
        self.cells, self.table, self.row, self.cur, self.text = [], {}, {}, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = a
        elif tag == "tr":
            self.row = a
        elif tag in ("td", "th"):
            self.cur, self.text = a, []

    def handle_data(self, data):
        if self.cur is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cur is not None:
            self.cells.append({"table": self.table, "row": self.row, "cell": self.cur,
                               "text": "".join(self.text).strip()})
            self.cur = None


def render(ctx, lang):
    html = environment().from_string(PAGE).render(
        lang=lang, t=lambda key, **kw: t(key, lang, **kw), num=lambda v, d=2: fmt_number(v, lang, d), plan=ctx)
    p = Cells()
    p.feed(html)
    return html, p.cells


def cell(cells, table, key, cls):
    hits = [c["text"] for c in cells if c["table"].get("id") == table and c["row"].get("data-key") == key
            and cls in c["cell"].get("class", "").split()]
    assert len(hits) == 1, (table, key, cls, hits)
    return hits[0]


@pytest.fixture(scope="module")
def scored():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return es.score(simulate(4, 40, 400, seed=31, labels=False), es.combine_instruments(DEMO_INSTRUMENTS))


@pytest.fixture(scope="module")
def ctx(scored):
    steps = []
    out = planning.planning_context(scored, reps=REPS, seed=7, progress=steps.append)
    out["_steps"] = steps
    return out


def test_paths_and_icc_match_r():
    ref = load_reference("report_planning")
    bfi = load_dataset("bfi")
    p = ref["paths"]
    got = planning.standardised_paths(bfi, p["x"], p["m"], p["y"])
    assert got["n"] == p["n"]
    for k in ("a", "b", "c_prime"):
        assert got[k] == pytest.approx(p[k], abs=1e-10)
    icc = planning._icc(bfi, ref["icc"]["value"], ref["icc"]["group"])
    assert icc == pytest.approx(ref["icc"]["icc1"], abs=1e-10)


def test_inputs_come_from_this_wave(ctx, scored):
    inp = ctx["inputs"]
    frame = scored.meta[["unit"]].join(scored.scores[["cid", "we", "perf_task"]])
    assert inp["icc_we"] == pytest.approx(es.models.icc(frame[["we", "unit"]].dropna(), "we", "unit")[0], abs=1e-12)
    assert inp["icc_cid"] == pytest.approx(es.models.icc(frame[["cid", "unit"]].dropna(), "cid", "unit")[0], abs=1e-12)
    paths = planning.standardised_paths(frame, "cid", "we", "perf_task")
    assert (inp["a"], inp["b"], inp["c_prime"], inp["source"]) == (paths["a"], paths["b"], paths["c_prime"], "ols")
    complete = frame.dropna()
    assert inp["n_units"] == complete["unit"].nunique() and inp["n_people"] == len(complete)
    assert inp["per_unit"] == round(len(complete) / complete["unit"].nunique())
    assert ctx["_steps"][0] == "power: current design" and "power: curve" in ctx["_steps"]


def test_numbers_equal_direct_power_calls(ctx):
    rows = {r["key"]: r for r in ctx["rows"]}
    assert set(rows) == {"within_current", "within_solve", "single_default", "rollout_20", "rollout_30"}
    inp = ctx["inputs"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cur = pw.mediation(inp["a"], inp["b"], c=inp["c_prime"], n_units=inp["n_units"], per_unit=inp["per_unit"],
                           icc=inp["icc_we"], reps=REPS, seed=7)
        assert rows["within_current"]["power"] == cur.power and rows["within_current"]["ci_lower"] == cur.ci[0]
        sol = pw.solve("mediation", a=inp["a"], b=inp["b"], c=inp["c_prime"], per_unit=10, icc=inp["icc_we"],
                       target=0.8, reps=REPS, seed=7)
        assert rows["within_solve"]["size"] == sol.n_units and rows["within_solve"]["power"] == sol.power
        single = pw.solve("mediation", a=0.30, b=0.25, target=0.8, reps=REPS, seed=7)
        assert rows["single_default"]["size"] == single.n and rows["single_default"]["ci_upper"] == single.ci[1]
        for d, key in ((0.20, "rollout_20"), (0.30, "rollout_30")):
            tr = pw.solve("cluster_trial", d=d, per_unit=10, icc=inp["icc_we"], target=0.8, reps=REPS, seed=7)
            assert rows[key]["size"] == tr.n_units and rows[key]["power"] == tr.power and rows[key]["d"] == d
        point = ctx["curve"][len(ctx["curve"]) // 2]
        pc = pw.mediation(inp["a"], inp["b"], c=inp["c_prime"], n_units=point["n_units"], per_unit=10,
                          icc=inp["icc_we"], reps=REPS, seed=7)
        assert point["power"] == pc.power and (point["ci_lower"], point["ci_upper"]) == pc.ci
    powers = [c["power"] for c in ctx["curve"]]
    assert powers[-1] >= powers[0]  # common random numbers: power rises with the number of units


@pytest.mark.parametrize("lang", ["en", "id"])
def test_html_shows_the_context_numbers(ctx, lang):
    html, cells = render(ctx, lang)
    inp = ctx["inputs"]
    for key, digits in (("icc_we", 3), ("icc_cid", 3), ("a", 3), ("b", 3), ("c_prime", 3), ("n_units", 0),
                        ("mean_per_unit", 1)):
        assert cell(cells, "plan-inputs", key, "value") == fmt_number(inp[key], lang, digits)
    for r in ctx["rows"]:
        assert cell(cells, "plan-power", r["key"], "power") == fmt_number(r["power"], lang, 3)
        assert cell(cells, "plan-power", r["key"], "ci") == \
            f"{fmt_number(r['ci_lower'], lang, 3)}–{fmt_number(r['ci_upper'], lang, 3)}"
        size = cell(cells, "plan-power", r["key"], "size")
        assert size.split(" ×")[0] == fmt_number(r["size"], lang, 0)
    units = [c["text"] for c in cells if c["table"].get("id") == "plan-curve-table" and "units" in
             c["cell"].get("class", "")]
    powers = [c["text"] for c in cells if "curve-power" in c["cell"].get("class", "")]
    assert units == [fmt_number(c["n_units"], lang, 0) for c in ctx["curve"]]
    assert powers == [fmt_number(c["power"], lang, 2) for c in ctx["curve"]]
    assert "<svg" in html and t("plan_title", lang) in html
    assert fmt_number(REPS, lang, 0) in html and "seed 7" in html  # the Monte Carlo note
    assert not re.search(r"R\d{5}", html)  # no respondent ids


def test_other_language_reuses_the_simulations(ctx, scored):
    steps = []
    other = planning.planning_context(scored, lang="id", reuse=ctx, progress=steps.append)
    assert steps == []  # nothing simulated again
    assert other["rows"] == ctx["rows"] and other["curve"] == ctx["curve"] and other["lang"] == "id"
    assert t("plan_axis_power", "id") in str(other["plot"]) and "0,8" in str(other["plot"])
    _, cells = render(other, "id")
    assert cell(cells, "plan-inputs", "a", "value") == fmt_number(ctx["inputs"]["a"], "id", 3)
    with pytest.raises(EngageSurveyError, match="reuse"):
        planning.planning_context(scored, reuse={"rows": []})


def test_paths_from_the_hypothesis_report(scored):
    z = scored.scores[["cid", "we", "perf_task"]].dropna()
    z = (z - z.mean()) / z.std()
    med = es.models.mediation(z, "cid", "we", "perf_task", n_boot=50, seed=1)
    ctx = planning.planning_context(scored, SimpleNamespace(results={"H4": med}), reps=50, seed=3)
    assert (ctx["inputs"]["a"], ctx["inputs"]["b"], ctx["inputs"]["c_prime"]) == (med.a, med.b, med.c_prime)
    assert ctx["inputs"]["source"] == "H4"
    html, _ = render(ctx, "en")
    assert t("plan_source_H4", "en") in html


def test_design_out_of_reach_is_shown_as_more_than(scored):
    tiny = SimpleNamespace(results={"H4": SimpleNamespace(a=0.01, b=0.01, c_prime=0.0, n=400)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = planning.planning_context(scored, tiny, reps=40, seed=3, max_units=24)
    rows = {r["key"]: r for r in ctx["rows"]}
    assert not rows["within_solve"]["found"] and rows["within_solve"]["size"] == 24
    assert np.isnan(rows["within_solve"]["power"])
    assert max(c["n_units"] for c in ctx["curve"]) <= 24
    _, cells = render(ctx, "en")
    assert cell(cells, "plan-power", "within_solve", "size") == "> 24"


def test_errors(scored):
    with pytest.raises(EngageSurveyError, match="unit column 'team'"):
        planning.planning_context(scored, icc_column="team")
    with pytest.raises(EngageSurveyError, match="target"):
        planning.planning_context(scored, target=1.2)
    with pytest.raises(EngageSurveyError, match="reps"):
        planning.planning_context(scored, reps=3)
    with pytest.raises(EngageSurveyError, match="column 'nope'"):
        planning.planning_context(scored, y="nope", reps=20)
    with pytest.raises(EngageSurveyError, match="ScoreResult"):
        planning.planning_context(scored.scores)
