"""Mixed-methods integration: suggested codes, coder accuracy, joint displays and the interview frame are
the qual module's numbers; quotes and groups respect the anonymity rules; hostile text is escaped."""

from __future__ import annotations

import dataclasses
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import engagesurvey as es
import engagesurvey.qual as q
from engagesurvey.errors import EngageSurveyError
from engagesurvey.report import mixed
from engagesurvey.report.build import environment
from engagesurvey.report.i18n import fmt_number, t
from engagesurvey.simulate import DEMO_INSTRUMENTS, simulate

PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8">{% include "partials/style.html.j2" %}</head>'
        '<body>{% include "partials/mixed.html.j2" %}</body></html>')
HOSTILE = "<script>alert(1)</script>"


class Cells(HTMLParser):
    """Text of every <td>/<th>/<li> with its attributes and the attributes of its row and table."""

    def __init__(self):
        super().__init__()
        self.cells, self.table, self.row, self.cur, self.text = [], {}, {}, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("table", "details"):
            self.table = a
        elif tag == "tr":
            self.row = a
        elif tag in ("td", "th", "li"):
            self.cur, self.text = {**a, "tag": tag}, []

    def handle_data(self, data):
        if self.cur is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th", "li") and self.cur is not None:
            self.cells.append({"table": self.table, "row": self.row, "cell": self.cur,
                               "text": "".join(self.text).strip()})
            self.cur = None


def render(ctx, lang="en"):
    html = environment().from_string(PAGE).render(
        lang=lang, t=lambda key, **kw: t(key, lang, **kw), num=lambda v, d=2: fmt_number(v, lang, d), mixed=ctx)
    p = Cells()
    p.feed(html)
    return html, p.cells


def texts(cells, cls, **where):
    return [c["text"] for c in cells if cls in c["cell"].get("class", "").split()
            and all(c["table"].get(k) == v or c["row"].get(k) == v for k, v in where.items())]


@pytest.fixture(scope="module")
def scored():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return es.score(simulate(4, 40, 400, seed=23, labels=False), es.combine_instruments(DEMO_INSTRUMENTS))


@pytest.fixture(scope="module")
def demo(scored):
    return mixed.demo_comments(scored, seed=5)


@pytest.fixture(scope="module")
def ctx(scored, demo):
    comments, human = demo
    return mixed.mixed_context(scored, comments, human_codes=human, seed=9)


def test_demo_comments_have_known_themes_that_follow_coaching(scored, demo):
    comments, human = demo
    assert comments.index.equals(scored.scores.index) and human.index.equals(scored.scores.index)
    assert (comments.isna() == human.isna()).all()
    assert 0.45 < comments.notna().mean() < 0.75
    themes = set(";".join(human.dropna()).split(";")) - {""}
    assert themes <= set(q.load_codebook("cid_themes").themes)
    cid = scored.scores["cid"]
    low, high = cid <= cid.quantile(1 / 3), cid >= cid.quantile(2 / 3)
    pos = human.fillna("").str.contains("feedback|reflection|development_needs|action_planning|ownership")
    neg = human.fillna("").str.contains("administrative_only|barriers")
    wrote = comments.notna()
    assert pos[high & wrote].mean() > pos[low & wrote].mean() + 0.15
    assert neg[low & wrote].mean() > neg[high & wrote].mean() + 0.15
    again = mixed.demo_comments(scored, seed=5)
    assert again[0].equals(comments) and again[1].equals(human)
    assert not mixed.demo_comments(scored, seed=6)[0].equals(comments)
    small = simulate(2, 4, 40, seed=1, labels=False)  # a SimulatedSurvey: themes follow the latent CiD
    c2, h2 = mixed.demo_comments(small, seed=1, lang="en")
    assert c2.index.equals(small.data.index) and c2.notna().sum() > 10 and h2.notna().sum() == c2.notna().sum()


def test_coding_and_accuracy_equal_the_qual_module(ctx, demo):
    comments, human = demo
    wrote = comments.notna().to_numpy()
    pos = np.arange(len(comments))[wrote]
    sug = q.first_pass_code(comments[wrote].reset_index(drop=True), "cid_themes", ids=pos)
    counts = sug.codes()["code"].value_counts()
    assert ctx["n_comments"] == int(wrote.sum())
    for r in ctx["coding"]["rows"]:
        assert r["n"] == counts.get(r["theme"], 0)
        assert r["pct"] == counts.get(r["theme"], 0) / wrote.sum()
    ev = q.evaluate_coder(sug, pd.DataFrame({"unit": pos, "themes": human[wrote].to_numpy()}))
    assert ctx["evaluation"]["micro"] == ev.micro
    for r in ctx["evaluation"]["rows"]:
        for k in ("precision", "recall", "f1", "support"):
            assert r[k] == ev.table.loc[r["theme"], k] or (np.isnan(r[k]) and np.isnan(ev.table.loc[r["theme"], k]))
    assert ctx["codes_source"] == "human"


def test_html_shows_the_context_numbers(ctx):
    for lang in ("en", "id"):
        html, cells = render(ctx, lang)
        for r in ctx["coding"]["rows"]:
            assert texts(cells, "n", **{"data-theme": r["theme"], "id": "mm-suggested"}) == [fmt_number(r["n"], lang, 0)]
        for r in ctx["evaluation"]["rows"] + [{"theme": k, **ctx["evaluation"][k]} for k in ("micro", "macro")]:
            for k in ("precision", "recall", "f1"):
                assert texts(cells, k, **{"data-theme": r["theme"], "id": "mm-coder"}) == [fmt_number(r[k], lang, 3)]
        for jd in ctx["joint"]:
            for r in jd["rows"]:
                got = texts(cells, "pct", **{"data-theme": r["theme"], "data-by": jd["kind"]})
                assert got == [fmt_number(100 * v, lang, 1) + "%" for v in r["pct"]]
                holm = texts(cells, "p-holm", **{"data-theme": r["theme"], "data-by": jd["kind"]})[0]
                assert holm == ("< " + fmt_number(0.001, lang, 3) if r["p_holm"] < 0.001 else fmt_number(r["p_holm"], lang, 3))
        eb = texts(cells, "eb", id="mm-cases")
        assert eb == [fmt_number(r["eb_residual"], lang, 3) for r in ctx["cases"]["rows"]]
        assert t("mm_suggested_title", lang) in html and 'id="mm-suggested-warning"' in html
        assert not re.search(r"R\d{5}", html)  # no respondent ids anywhere


def test_joint_displays_equal_joint_display(ctx, scored, demo):
    comments, human = demo
    assert [jd["kind"] for jd in ctx["joint"]] == ["tertile", "stratum"]
    wrote = comments.notna().to_numpy()
    resp = pd.DataFrame({"_row": np.arange(len(comments)), "text": comments.fillna("").to_numpy(),
                         "tertile": pd.qcut(scored.scores["we"].reset_index(drop=True), 3,
                                            labels=["low", "middle", "high"]).astype(object)})
    coded = q.explode_codes(pd.DataFrame({"unit": np.arange(len(comments))[wrote], "themes": human[wrote].to_numpy()}))
    jd = q.joint_display(coded, resp, by="tertile", id_column="_row", text="text", seed=9, n_quotes=1)
    mine = ctx["joint"][0]
    assert [g["key"] for g in mine["groups"]] == ["low", "middle", "high"]
    for r in mine["rows"]:
        assert r["p_holm"] == jd.table.loc[r["theme"], "p_holm"]
        assert r["pct"] == [jd.prevalence.loc[r["theme"], g] for g in ("low", "middle", "high")]
    by_theme = {r["theme"]: r["pct"] for r in mine["rows"]}
    assert by_theme["development_needs"][2] > by_theme["development_needs"][0]  # the real pattern
    assert all(r["meta_inference"] == "" for r in mine["rows"])  # left for the analyst
    names = [g["name"] for g in mine["groups"]]
    for r in mine["rows"]:
        shown = [names.index(qt["group"]) for qt in r["quotes"]]
        assert shown == sorted(shown)  # quotes in display order, one per eligible cell
        assert len(shown) == sum(1 for c in r["count"] if c >= 10)


def _regroup(scored, comments, groups):
    """The scored data with some commenters moved into new agencies: {name: number of commenters}."""
    meta = scored.meta.copy()
    meta["agency"] = meta["agency"].astype(object)
    rows = np.flatnonzero(comments.notna().to_numpy())
    c, start = comments.copy(), 0
    for name, n in groups.items():
        idx = rows[start:start + n]
        meta.loc[meta.index[idx], "agency"] = name
        c.iloc[idx] = "Saya mendapat umpan balik yang jelas setiap bulan."  # every one mentions feedback
        start += n
    return dataclasses.replace(scored, meta=meta), c


def _check_quotes(ctx):
    n_quotes = 0
    for jd in ctx["joint"]:
        size = {g["name"]: g["n"] for g in jd["groups"]}
        for r in jd["rows"]:
            cell = dict(zip([g["name"] for g in jd["groups"]], r["count"]))
            for quote in r["quotes"]:
                assert size[quote["group"]] >= 10 and cell[quote["group"]] >= 10
                n_quotes += 1
    return n_quotes


def test_quotes_only_from_cells_of_ten(scored, demo):
    res, c = _regroup(scored, demo[0], {"Tiny": 8})
    ctx = mixed.mixed_context(res, c, seed=9, n_quotes_stratum=2)
    agency = next(jd for jd in ctx["joint"] if jd["kind"] == "stratum")
    tiny = [g for g in agency["groups"] if g["name"] == "Tiny"]
    assert tiny and tiny[0]["n"] == 8 and agency["hidden"] == 0  # numbers shown: 8 >= 5
    feedback = next(r for r in agency["rows"] if r["theme"] == "feedback")
    assert feedback["count"][[g["name"] for g in agency["groups"]].index("Tiny")] == 8
    assert _check_quotes(ctx) > 0 and any(r["quotes"] for r in agency["rows"])
    assert not any(qt["group"] == "Tiny" for r in agency["rows"] for qt in r["quotes"])  # 8 < 10: no quote
    _html, cells = render(ctx)
    quoted = [c_["cell"].get("data-group") for c_ in cells if c_["cell"]["tag"] == "li"]
    assert quoted and "Tiny" not in quoted
    assert ctx["codes_source"] == "suggested" and ctx["evaluation"] is None


def test_small_groups_hidden_with_complementary_suppression(scored, demo):
    res, c = _regroup(scored, demo[0], {"Tiny": 8, "Mini": 3})
    ctx = mixed.mixed_context(res, c, seed=9, n_quotes_stratum=2)
    agency = next(jd for jd in ctx["joint"] if jd["kind"] == "stratum")
    names = [g["name"] for g in agency["groups"]]
    assert "Mini" not in names and "Tiny" not in names and agency["hidden"] == 2  # Mini (3), then Tiny (R1)
    assert all(g["n"] >= 5 for jd in ctx["joint"] for g in jd["groups"])
    _check_quotes(ctx)
    html, _ = render(ctx)
    assert "Mini" not in html and "Tiny" not in html
    assert t("groups_hidden", "en", n=2) in html


def test_interview_frame_lists_units_only(ctx, scored):
    cases = ctx["cases"]
    sel = q.select_cases(pd.concat([scored.meta[["unit", "agency"]], scored.scores[["we"]]], axis=1), "we", "unit",
                         "agency", n_per_type=2, seed=9, min_unit_size=5)
    assert [r["unit"] for r in cases["rows"]] == list(sel.frame["unit"])
    assert [r["eb_residual"] for r in cases["rows"]] == list(sel.frame["eb_residual"])
    assert all(r["n_respondents"] >= 5 for r in cases["rows"])
    assert {r["type_key"] for r in cases["rows"]} == {"positive", "negative", "typical"}
    assert not any(k in r for r in cases["rows"] for k in ("respondent_id", "id"))


def test_hostile_text_is_escaped(scored, demo):
    comments, _ = demo
    meta = scored.meta.copy()
    meta["agency"] = meta["agency"].astype(object).replace({meta["agency"].iloc[0]: '<b onclick="x()">Evil</b>'})
    res = dataclasses.replace(scored, meta=meta)
    c = comments.where(comments.isna(), f"Saya mendapat umpan balik {HOSTILE} yang jelas.")
    ctx = mixed.mixed_context(res, c, seed=9)
    assert any(HOSTILE in qt["quote"] for jd in ctx["joint"] for r in jd["rows"] for qt in r["quotes"])
    html, _ = render(ctx)
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<b onclick' not in html and "&lt;b onclick=" in html


def test_without_comments_only_the_frame(scored):
    ctx = mixed.mixed_context(scored, None)
    assert ctx["coding"] is None and ctx["joint"] == [] and ctx["cases"]["rows"]
    html, _ = render(ctx, "id")
    assert 'id="mm-cases"' in html and 'id="mm-suggested"' not in html


def test_errors(scored, demo):
    comments, human = demo
    with pytest.raises(EngageSurveyError, match="comments: 10 values for 400 rows"):
        mixed.mixed_context(scored, comments.iloc[:10])
    with pytest.raises(EngageSurveyError, match="theme 'gossip' is not in codebook"):
        mixed.mixed_context(scored, comments, human_codes=human.where(human.isna(), "gossip"))
    with pytest.raises(EngageSurveyError, match="codes='human' needs human_codes"):
        mixed.mixed_context(scored, comments, codes="human")
    with pytest.raises(EngageSurveyError, match="comment threshold"):
        mixed.mixed_context(scored, comments, min_group=8, min_comment_group=6)
    with pytest.raises(EngageSurveyError, match="agency column 'division'"):
        mixed.mixed_context(scored, comments, stratum="division")
    with pytest.raises(EngageSurveyError, match="without comments"):
        mixed.mixed_context(scored, None, human_codes=human)
    with pytest.raises(EngageSurveyError, match="SimulatedSurvey"):
        mixed.demo_comments(pd.DataFrame({"x": [1.0]}), seed=1)
    with pytest.raises(EngageSurveyError, match="lang"):
        mixed.demo_comments(scored, seed=1, lang="fr")
