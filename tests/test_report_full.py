"""The full report: the numbers in the HTML are the library's numbers; both languages; no ids; files."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pandas as pd
import pytest

import engagesurvey as es
from engagesurvey import hypotheses
from engagesurvey.report import build_report
from engagesurvey.report.i18n import fmt_number
from engagesurvey.simulate import DEMO_INSTRUMENTS, simulate
from engagesurvey.validation import validate


class Cells(HTMLParser):
    """Collects the text of every <td>/<th> with the id/class/data-* of its table and row."""

    def __init__(self):
        super().__init__()
        self.tables, self.rows, self.cells, self.stack, self.text = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append(a)
        elif tag == "tr":
            self.rows.append(a)
        elif tag in ("td", "th"):
            self.text = []
            self.stack.append(a)
        elif tag == "b" and "id" in a:
            self.text = []
            self.stack.append(a)

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th", "b") and self.text is not None and self.stack:
            a = self.stack.pop()
            self.cells.append({"table": self.tables[-1] if self.tables else {}, "row": self.rows[-1] if self.rows else {},
                               "cell": a, "text": "".join(self.text).strip()})
            self.text = None


def parse(html):
    p = Cells()
    p.feed(html)
    return p.cells


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    survey = simulate(4, 60, 400, seed=17)  # some units under 5 people
    path = survey.write(out / "export.csv")
    inst = es.combine_instruments(DEMO_INSTRUMENTS)
    result = es.score(es.read_responses(path, inst, id_column="respondent_id"), inst)
    hyp = hypotheses.test(result, n_boot=500, seed=3)
    paths = build_report(result, out, source=path, seed=3, hypotheses=hyp)
    return out, result, hyp, paths, survey


def test_files_written(built):
    out, _, _, paths, _ = built
    names = {p.name for p in paths}
    assert {"report_id.html", "report_en.html", "report_tables.xlsx", "results.json"} <= names
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["counts"]["read"] == 400


def test_counts_and_hypotheses_in_html_equal_the_library(built):
    out, result, hyp, _, _ = built
    cells = parse((out / "report_en.html").read_text(encoding="utf-8"))
    card = {c["cell"]["id"]: c["text"] for c in cells if c["cell"].get("id", "").startswith("n-")}
    counts = result.counts()
    assert card == {f"n-{k}": fmt_number(v, "en", 0) for k, v in counts.items()}
    est = {c["row"]["data-id"]: c["text"] for c in cells
           if c["table"].get("id") == "hypothesis-table" and c["cell"].get("class") == "estimate"}
    expected = {r.id: fmt_number(r.estimate, "en", 3) for r in hyp.table.itertuples()}
    assert est == expected


def test_reliability_in_html_equals_validate(built):
    out, result, _, _, _ = built
    cells = parse((out / "report_en.html").read_text(encoding="utf-8"))
    alpha_cells = {c["row"]["data-scale"]: c["text"] for c in cells
                   if c["table"].get("data-instrument") == "we" and c["cell"].get("class") == "alpha"}
    rep = validate(result, es.load_instrument("we"), seed=3)
    assert alpha_cells["we"] == fmt_number(rep.scales["we"].alpha.alpha, "en", 3)


def test_indonesian_report_uses_decimal_comma_and_translations(built):
    out, _, hyp, _, _ = built
    html = (out / "report_id.html").read_text(encoding="utf-8")
    assert 'lang="id"' in html and "Uji hipotesis" in html and "Kualitas instrumen" in html
    cells = parse(html)
    est = [c["text"] for c in cells if c["cell"].get("class") == "estimate"]
    assert est and all("," in e and "." not in e for e in est)
    decisions = {c["text"] for c in cells if c["cell"].get("class") == "text decision"}
    assert decisions <= {"didukung", "tidak didukung", "bertentangan"}


def test_no_respondent_ids_and_no_small_groups(built):
    out, result, _, _, survey = built
    for lang in ("id", "en"):
        html = (out / f"report_{lang}.html").read_text(encoding="utf-8")
        assert not any(rid in html for rid in survey.data["respondent_id"])
    sizes = result.meta["unit"].value_counts()
    small = sizes[sizes < 5].index
    assert len(small) > 0  # the fixture has small units, so the check below can fail
    tables = pd.read_csv(out / "report_tables_scores_by_unit.csv")
    assert not set(small) & set(tables["unit"].astype(str))
