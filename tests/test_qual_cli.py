"""The ``qual`` command group, registered on a fresh click group (the lead wires it into the main CLI)."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from click.testing import CliRunner
from conftest import load_dataset

from engagesurvey.qual.cli import register
from engagesurvey.qual.simulate_text import simulate_comments

DATA = Path(__file__).parent / "reference" / "data"


def _app():
    @click.group()
    def app():
        pass

    register(app)
    return app


def test_codebook_and_code(tmp_path):
    r = CliRunner().invoke(_app(), ["qual", "codebook", "--lang", "id"])
    assert r.exit_code == 0 and "Umpan balik" in r.output
    sim = simulate_comments(40, seed=2)
    p = tmp_path / "texts.csv"
    sim.to_csv(p, index=False)
    r = CliRunner().invoke(_app(), ["qual", "code", str(p), "--id-column", "unit", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "NOT final coding" in r.output
    codes = pd.read_csv(tmp_path / "o" / "suggested_codes.csv")
    assert set(codes.columns) == {"unit", "code", "n_rules", "rules"}


def test_agreement_and_cases(tmp_path):
    coded = load_dataset("qual_coded")
    p = tmp_path / "coded.csv"
    coded.to_csv(p, index=False)
    r = CliRunner().invoke(_app(), ["qual", "agreement", str(p), "--seed", "1", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "Fleiss" in r.output and (tmp_path / "agreement_by_code.csv").exists()
    r = CliRunner().invoke(_app(), ["qual", "cases", str(DATA / "qual_cases.csv"), "--n-per-type", "1",
                                    "--out", str(tmp_path / "frame.csv")])
    assert r.exit_code == 0, r.output
    assert len(pd.read_csv(tmp_path / "frame.csv")) >= 6


def test_user_error_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"unit": ["a"], "code": ["kopi"], "coder": ["x"]}).to_csv(bad, index=False)
    r = CliRunner().invoke(_app(), ["qual", "agreement", str(bad), "--codebook", "cid_themes"])
    assert r.exit_code == 2
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "row 2, column 'code', value 'kopi': code not in codebook" in lines[0]
