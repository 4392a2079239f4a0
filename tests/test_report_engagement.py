"""Engagement statistics (checked against R), report sections, plots and escaping of hostile text."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

import engagesurvey as es
from engagesurvey import simulate as sim
from engagesurvey.errors import EngageSurveyError
from engagesurvey.report import anonymity, plots
from engagesurvey.report import engagement as eng
from engagesurvey.report.build import environment

REVERSED = ("A1", "C4", "C5", "E1", "E2", "O2", "O5")
HOSTILE = ["<script>alert(1)</script>", '" onmouseover=alert(1) x="', "{{ 7*7 }}", "{% raw %}"]


@pytest.fixture(scope="module")
def bfi_scored():
    bfi = load_dataset("bfi")
    keys = {s: [("-" if f"{s}{i}" in REVERSED else "") + f"{s}{i}" for i in range(1, 6)] for s in "ACENO"}
    inst = es.Instrument.from_keys(keys, min=1, max=6)
    return bfi, es.score(bfi, inst, careless=False)


@pytest.fixture(scope="module")
def survey():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sim.simulate(n_agencies=4, n_units=60, n_employees=420, seed=11, labels=False)
        inst = es.combine_instruments(sim.DEMO_INSTRUMENTS)
        cur = es.score(s, inst)
        prev = es.score(sim.simulate(n_agencies=4, n_units=60, n_employees=400, seed=12, labels=False), inst)
    return cur, prev


# ------------------------------------------------------------------------------ checked against R


def test_relative_weights_match_r(bfi_scored):
    _, r = bfi_scored
    ref = load_reference("report_relweights")
    rw = eng.relative_weights(r.scores, "E", ref["drivers"], n_boot=0)
    assert rw.n == ref["n"]
    for d in ref["drivers"]:
        assert rw.table.loc[d, "raw_weight"] == pytest.approx(ref["raw_weight"][d], abs=1e-6)
        assert rw.table.loc[d, "rescaled"] == pytest.approx(ref["rescaled"][d], abs=1e-6)
    assert rw.r2 == pytest.approx(ref["r2_lm"], abs=1e-6)
    assert rw.table.raw_weight.sum() == pytest.approx(rw.r2, abs=1e-12)


def test_bootstrap_is_vectorised_copy_of_per_draw_loop(bfi_scored):
    _, r = bfi_scored
    drivers = ["A", "C", "N", "O"]
    rw = eng.relative_weights(r.scores, "E", drivers, n_boot=40, seed=7)
    x = r.scores[[*drivers, "E"]].dropna().to_numpy()
    counts = eng.bootstrap_counts(np.random.default_rng(7), 40, len(x))
    for b in (0, 17, 39):  # one draw at a time, the slow obvious way
        xb = np.repeat(x, counts[b], axis=0)
        np.testing.assert_allclose(rw.boot[b], eng._rw_from_corr(np.corrcoef(xb, rowvar=False)), atol=1e-10)
    again = eng.relative_weights(r.scores, "E", drivers, n_boot=40, seed=7)
    np.testing.assert_array_equal(rw.boot, again.boot)
    other = eng.relative_weights(r.scores, "E", drivers, n_boot=40, seed=8)
    assert not np.array_equal(rw.boot, other.boot)
    t = rw.table
    assert (t.ci_lower <= t.raw_weight).all() and (t.raw_weight <= t.ci_upper).all()
    assert "Johnson" in rw.summary()


def test_relative_weights_errors(bfi_scored):
    _, r = bfi_scored
    d = r.scores.assign(A2x=r.scores.A * 2)
    with pytest.raises(EngageSurveyError, match="collinear"):
        eng.relative_weights(d, "E", ["A", "A2x"], n_boot=0)
    with pytest.raises(EngageSurveyError, match="column 'Q' is not in the data"):
        eng.relative_weights(d, "E", ["A", "Q"])
    with pytest.raises(EngageSurveyError, match="outcome 'E' is also listed"):
        eng.relative_weights(d, "E", ["A", "E"])
    with pytest.raises(EngageSurveyError, match="name the drivers"):
        eng.key_drivers(r.scores, "E")


def test_engagement_index_and_favourable_match_r(bfi_scored):
    _, r = bfi_scored
    ref = load_reference("report_engagement")
    ei = eng.engagement_index(r, "E")
    assert ei.index == pytest.approx(ref["engagement"]["index"], abs=1e-6)
    assert ei.sd == pytest.approx(ref["engagement"]["sd"], abs=1e-6)
    assert ei.pct_engaged == pytest.approx(ref["engagement"]["pct_engaged"], abs=1e-6)
    assert ei.cut == pytest.approx(ref["engagement"]["cut"], abs=1e-12)
    assert ei.n == ref["engagement"]["n"]
    fav = eng.favourable(r)
    for item in ref["items"]:
        assert fav.items.loc[item, "favourable"] == pytest.approx(ref["favourable"][item], abs=1e-6)
        assert fav.items.loc[item, "unfavourable"] == pytest.approx(ref["unfavourable"][item], abs=1e-6)
        assert fav.items.loc[item, "n"] == ref["n_answered"][item]
    for s in "ACENO":
        assert fav.scales.loc[s, "favourable"] == pytest.approx(ref["scale_favourable"][s], abs=1e-6)
    with pytest.raises(EngageSurveyError, match="scale 'WE' is not a scored scale"):
        eng.engagement_index(r, "WE")
    with pytest.raises(EngageSurveyError, match="needs a ScoreResult"):
        eng.favourable(r.scores)


def test_compare_waves_match_r_t_test(bfi_scored):
    bfi, r = bfi_scored
    ref = load_reference("report_engagement")
    data = r.scores.assign(education=bfi.education)
    cur, prev = data[bfi.gender == 2], data[bfi.gender == 1]
    w = eng.compare_waves(cur, prev, scales=["E", "A"]).table.set_index("scale")
    fields = ["n_current", "n_previous", "mean_current", "mean_previous", "diff", "se", "t", "df",
              "pvalue", "ci_lower", "ci_upper", "d"]
    for s in ("E", "A"):
        for f in fields:
            assert w.loc[s, f] == pytest.approx(ref["waves"][s][f], abs=1e-6, rel=1e-9), (s, f)
    by = eng.compare_waves(cur, prev, group="education", scales=["E"]).table
    assert len(by) == len(ref["waves_by_education"])
    for _, row in by.iterrows():
        want = ref["waves_by_education"][str(int(row["education"]))]
        for f in fields:
            assert row[f] == pytest.approx(want[f], abs=1e-6, rel=1e-9), f
    avg = eng.compare_waves(cur, prev, scales=["E"], d_sd="average").table
    v1, v2 = cur.E.var(), prev.E.var()
    assert avg.d.iloc[0] == pytest.approx(avg["diff"].iloc[0] / np.sqrt((v1 + v2) / 2), abs=1e-12)
    with pytest.raises(EngageSurveyError, match="d_sd must be"):
        eng.compare_waves(cur, prev, d_sd="hedges")
    with pytest.raises(EngageSurveyError, match="group column 'region' is not in the current wave"):
        eng.compare_waves(cur, prev, group="region")


def test_compare_waves_suppresses_small_groups():
    rng = np.random.default_rng(0)
    cur = pd.DataFrame({"g": ["a"] * 30 + ["b"] * 3 + ["c"] * 8, "x": rng.normal(size=41)})
    prev = pd.DataFrame({"g": ["a"] * 30 + ["b"] * 9 + ["c"] * 9, "x": rng.normal(size=48)})
    t = eng.compare_waves(cur, prev, group="g", scales=["x"]).table
    assert list(t.g) == ["a"]  # b is under 5 now; c goes with it (one hidden group + the total)
    t2 = eng.compare_waves(cur, prev, group="g", scales=["x"], min_group=3).table
    assert list(t2.g) == ["a", "b", "c"]
    with pytest.raises(EngageSurveyError, match="cannot be below 3"):
        eng.compare_waves(cur, prev, group="g", min_group=2)


# ------------------------------------------------------------------------------- simulated survey


def test_favourable_and_distribution_on_the_survey(survey):
    r, _ = survey
    fav = eng.favourable(r)
    x = r.items["we_vi1"].dropna().to_numpy()
    assert fav.items.loc["we_vi1", "favourable"] == pytest.approx(100 * np.mean(x >= 5))   # 0-6: 5 and 6
    y = r.items["cid_ex1"].dropna().to_numpy()
    assert fav.items.loc["cid_ex1", "favourable"] == pytest.approx(100 * np.mean(y >= 4))  # 1-5: 4 and 5
    row = fav.items.loc["we_vi1"]
    assert row.favourable + row.neutral + row.unfavourable == pytest.approx(100)
    assert "lm_work" not in fav.items.index                       # a percentage has no top-2-box
    dist = eng.distribution(r, scales=["we"], lang="id")
    assert set(dist.code) == set(range(7))
    np.testing.assert_allclose(dist.groupby("item").percent.sum(), 100)
    assert "Tidak pernah" in set(dist.label)


def test_heatmap_applies_anonymity_rules(survey):
    r, _ = survey
    tabs = eng.heatmap(r, ("agency", "unit"), min_group=5)
    assert set(tabs) == {"overall", "agency", "unit"}
    n = r.meta.groupby(["agency", "unit"]).size()
    assert (n < 5).any()  # the fixture has small units
    shown = {(a, u) for a, u in tabs["unit"][["agency", "unit"]].itertuples(index=False)}
    assert all(n[key] >= 5 for key in shown)
    hidden = anonymity.suppression_plan({k: int(v) for k, v in n.items()}, 5)
    assert shown == {key for key in n.index if key not in hidden}
    assert "respondent_id" not in tabs["unit"].columns
    means = r.scores.groupby([r.meta.agency, r.meta.unit]).we.mean()
    for a, u, v in tabs["unit"][["agency", "unit", "we"]].itertuples(index=False):
        assert v == pytest.approx(means[(a, u)])
    with pytest.raises(EngageSurveyError, match="group column 'region'"):
        eng.heatmap(r, "region")


def test_key_drivers_defaults(survey):
    r, _ = survey
    kd = eng.key_drivers(r, n_boot=50, seed=1)
    assert list(kd.table.index) == ["cid", "support", "feedback", "climate", "informal"]
    assert kd.table.rescaled.sum() == pytest.approx(100)


# --------------------------------------------------------------------------- rendering and escaping


def _hostile(result):
    meta = result.meta.copy()
    agencies = sorted(meta.agency.unique())
    names = dict(zip(agencies, HOSTILE))
    meta["agency"] = meta.agency.map(names)
    units = sorted(meta.unit.unique())
    meta["unit"] = meta.unit.map({u: HOSTILE[j % 4] + u for j, u in enumerate(units)})
    meta["comment"] = [HOSTILE[j % 4] for j in range(len(meta))]
    return dataclasses.replace(result, meta=meta)


def _assert_escaped(html: str):
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '" onmouseover=' not in html and "onmouseover=alert(1) x=" in html
    assert "{{ 7*7 }}" in html and "{% raw %}" in html     # shown literally, never run as a template


def test_hostile_names_and_comments_are_escaped(survey):
    cur, prev = survey
    hostile = _hostile(cur)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = eng.render_engagement(hostile, lang="en", previous=_hostile(prev), wave_group="agency",
                                     text="comment", comment_min=10, n_boot=50, seed=1)
    _assert_escaped(page)
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # heatmap, waves, comments
    from engagesurvey.report import render_summary

    summary = render_summary(hostile, group="agency", lang="id")
    _assert_escaped(summary)


def test_hostile_file_name_in_summary(survey, tmp_path):
    from engagesurvey.report import render_summary

    src = tmp_path / '"><img src=x onerror=alert(1)>{{ 7*7 }}.csv'
    src.write_text("x\n1\n", encoding="utf-8")
    html = render_summary(survey[0], source=src)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;{{ 7*7 }}.csv" in html


def test_partial_renders_through_lead_environment(survey):
    r, _ = survey
    env = environment()
    ctx = eng.engagement_context(r, lang="id", n_boot=30, seed=2)
    from engagesurvey.report.i18n import fmt_number, t

    html = env.get_template("partials/engagement.html.j2").render(
        eng=ctx, t=lambda key, **kw: t(key, "id", **kw), num=lambda v, d=2: fmt_number(v, "id", d))
    assert 'id="eng-index"' in html and "Indeks keterikatan" in html
    idx = re.search(r'id="eng-index">([^<]+)<', html).group(1)
    assert idx == fmt_number(ctx["index"].index, "id", 1) and "," in idx   # decimal comma
    assert ctx["waves"] is None and ctx["comments"] is None
    assert env.autoescape(None) is True


def test_engagement_context_errors(survey):
    r, _ = survey
    with pytest.raises(EngageSurveyError, match="comment column 'notes'"):
        eng.engagement_context(r, text="notes", n_boot=0)
    with pytest.raises(EngageSurveyError, match="unknown language"):
        eng.engagement_context(r, lang="fr")


def test_plots_escape_labels_and_have_no_script():
    bad = "<script>alert(1)</script>"
    svg = [plots.heatmap([[1.0, np.nan]], [bad], [bad, "b"], lo=[1, 1], hi=[5, 5]),
           plots.stacked_bars([[20, 30, 50]], [bad], [bad, "n", "f"]),
           plots.forest([0.1], [-0.2], [0.4], [bad], ref=0.0)]
    for s in svg:
        assert s.startswith("<svg") and "<script" not in s and "&lt;script&gt;" in s
    assert plots.forest([np.nan], [np.nan], [np.nan], ["x"]) == ""
    assert len(plots.category_colours(7)) == 7
