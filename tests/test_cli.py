"""The command line: the demo runs end to end; a user's mistake is one line and exit code 2."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from engagesurvey.cli import main


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(main, ["demo", "--out", str(out), "--n-employees", "400", "--n-units", "40",
                                    "--n-agencies", "4", "--seed", "7"])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_demo_writes_scores_reconciliation_and_both_reports(demo_dir):
    out, text = demo_dir
    for name in ("demo_export.csv", "scores.csv", "reconciliation.csv", "report_id.html", "report_en.html",
                 "hypotheses.csv", "report_tables.xlsx", "results.json"):
        assert (out / name).exists(), name
    export = pd.read_csv(out / "demo_export.csv")
    rec = pd.read_csv(out / "reconciliation.csv")
    assert len(rec) == len(export) == 400  # nothing lost
    counts = rec.status.value_counts()
    assert f"rows read 400: scored {counts.get('scored', 0)}, partial {counts.get('partial', 0)}" in text
    html_id = (out / "report_id.html").read_text(encoding="utf-8")
    assert 'lang="id"' in html_id and "Uji hipotesis" in html_id
    # self-contained: nothing is fetched (the SVG namespace URI is an identifier, not a request)
    assert not re.search(r"(?:src|href|url)\s*[=(]\s*[\"']?\s*(?:https?:)?//", html_id)
    assert "<link" not in html_id and "<script src" not in html_id


def test_score_command_on_demo_export(demo_dir, tmp_path):
    out, _ = demo_dir
    res = CliRunner().invoke(main, ["score", str(out / "demo_export.csv"), "-i", "cid,we", "--out",
                                    str(tmp_path), "--id-column", "respondent_id"])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert {"cid", "we", "we_vigor"} <= set(scores.columns) and len(scores) == 400


def test_instruments_list_and_show():
    res = CliRunner().invoke(main, ["instruments", "list", "--lang", "id"])
    assert res.exit_code == 0 and "Coaching dalam Dialog Kinerja" in res.output
    res = CliRunner().invoke(main, ["instruments", "show", "we"])
    assert res.exit_code == 0 and "we_vigor" in res.output


@pytest.mark.parametrize(
    "args,pattern",
    [
        (["instruments", "show", "nope"], "error: unknown instrument 'nope'"),
        (["score", "missing.csv", "-i", "we", "--out", "o"], "missing.csv"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, pattern, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2
    assert pattern in res.output
    assert "Traceback" not in res.output


def test_unknown_answer_label_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    items = [f"we_{s}{k}" for s in ("vi", "de", "ab") for k in (1, 2, 3)]
    from engagesurvey import load_instrument

    items = list(load_instrument("we").items)
    rows = [["R1"] + ["Sering"] * len(items), ["R2"] + ["Kadang-kadang"] * (len(items) - 1) + ["Banget"]]
    pd.DataFrame(rows, columns=["respondent_id"] + items).to_csv("bad.csv", index=False)
    res = CliRunner().invoke(main, ["score", "bad.csv", "-i", "we", "--out", "o"])
    assert res.exit_code == 2, res.output
    assert "Banget" in res.output and "Traceback" not in res.output


def test_score_stream_matches_in_memory(demo_dir, tmp_path):
    out, _ = demo_dir
    args = ["score", str(out / "demo_export.csv"), "-i", "we", "--id-column", "respondent_id"]
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "mem")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "st"), "--stream", "--chunk-rows", "57"])
    assert res.exit_code == 0, res.output
    mem = pd.read_csv(tmp_path / "mem" / "scores.csv")
    st = pd.read_csv(tmp_path / "st" / "scores.csv")
    for col in ("we", "we_vigor"):
        assert (mem[col] - st[col]).abs().max() < 1e-12


@pytest.mark.parametrize("extra,pattern", [
    (["report", "--group", "division"], "--group 'division' is not a column of the export"),
    (["score", "--min-valid", "0"], "--min-valid 0: give a share in (0, 1] or a whole number of items"),
    (["score", "--min-valid", "2.5"], "--min-valid 2.5: give a share"),
])
def test_option_mistakes_exit_2(demo_dir, tmp_path, extra, pattern):
    out, _ = demo_dir
    cmd, *opts = extra
    res = CliRunner().invoke(main, [cmd, str(out / "demo_export.csv"), "-i", "we", "--id-column", "respondent_id",
                                    "--out", str(tmp_path / "o"), *opts])
    assert res.exit_code == 2, res.output
    assert pattern in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o" / "report_en.html").exists()
