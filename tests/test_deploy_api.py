"""export_instrument, detect_instrument_version and the `instruments export` command."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from engagesurvey.deploy import SUFFIXES, detect_instrument_version, export_instrument
from engagesurvey.deploy.cli import register
from engagesurvey.errors import EngageSurveyError
from engagesurvey.instrument import combine_instruments, list_instruments


@pytest.mark.parametrize("fmt", sorted(SUFFIXES))
def test_version_travels_with_every_form(fmt, tmp_path):
    inst = combine_instruments(["cid", "rating"])
    path = export_instrument(inst, fmt, tmp_path / f"form{SUFFIXES[fmt]}")
    assert detect_instrument_version(path) == {
        "id": "cid+rating", "version": "1.0.0+1.0.0", "parts": {"cid": "1.0.0", "rating": "1.0.0"}}
    single = export_instrument("we", fmt, tmp_path / f"we{SUFFIXES[fmt]}", lang="en")
    assert detect_instrument_version(single) == {"id": "we", "version": "1.0.0", "parts": {"we": "1.0.0"}}


def test_detect_on_foreign_forms_and_missing_files(exports_dir, tmp_path):
    for name in ("qualtrics/QualtricsTools-Sample_Survey.qsf", "limesurvey/limonaid-testing-export.txt",
                 "kobo_odk/kobocruncher-form_likert.xlsx"):
        with pytest.raises(EngageSurveyError, match="no engagesurvey instrument id/version found"):
            detect_instrument_version(exports_dir / name)
    with pytest.raises(EngageSurveyError, match="file not found"):
        detect_instrument_version(tmp_path / "nope.qsf")


def test_export_errors(tmp_path):
    with pytest.raises(EngageSurveyError, match="unknown export format 'spss'"):
        export_instrument("cid", "spss", tmp_path / "x.sav")
    with pytest.raises(EngageSurveyError, match="lang must be one of id, en, both, got 'fr'"):
        export_instrument("cid", "html", tmp_path / "x.html", lang="fr")
    with pytest.raises(EngageSurveyError, match="does not exist"):
        export_instrument("cid", "html", tmp_path / "missing" / "x.html")
    with pytest.raises(EngageSurveyError, match="is a folder"):
        export_instrument("cid", "html", tmp_path)
    with pytest.raises(EngageSurveyError, match="unknown instrument 'nope'"):
        export_instrument("nope", "html", tmp_path / "x.html")


def _cli():
    @click.group()
    def instruments():
        """stand-in for the main CLI's group"""

    register(instruments)
    return instruments


def test_cli_export_writes_the_form(tmp_path):
    out = tmp_path / "cid_we.xlsx"
    result = CliRunner().invoke(_cli(), ["export", "cid", "we", "--format", "xlsform", "--lang", "both",
                                         "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "cid+we 1.0.0+1.0.0" in result.output
    assert detect_instrument_version(out)["parts"] == {"cid": "1.0.0", "we": "1.0.0"}


def test_cli_mistakes_exit_non_zero_with_one_line(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(_cli(), ["export", "nope", "--format", "html", "--out", str(tmp_path / "x.html")])
    assert bad.exit_code == 2
    assert "unknown instrument 'nope'" in bad.output and "Traceback" not in bad.output
    wrong = runner.invoke(_cli(), ["export", "cid", "--format", "pdf", "--out", str(tmp_path / "x.pdf")])
    assert wrong.exit_code == 2 and "pdf" in wrong.output


def test_instrument_from_psych_keys_exports_to_every_format(tmp_path):
    from engagesurvey.deploy.qualtrics import export_columns, survey
    from engagesurvey.instrument import Instrument

    inst = Instrument.from_keys({"agree": ["-x_1", "x_2", "x_3"], "consc": ["C1", "C2"]}, min=1, max=6)
    for fmt, suffix in SUFFIXES.items():
        path = export_instrument(inst, fmt, tmp_path / f"keys{suffix}")
        assert detect_instrument_version(path)["id"] == "custom"
    qsf = survey(inst)
    types = {e["Payload"]["DataExportTag"]: e["Payload"]["QuestionType"]
             for e in qsf["SurveyElements"] if e["Element"] == "SQ"}
    assert types == {"x_1": "TE", "x_2": "TE", "x_3": "TE", "C1": "TE", "C2": "TE"}  # numbers, not a matrix
    assert sorted(export_columns(qsf)) == sorted(inst.items)


@pytest.mark.parametrize("fmt", sorted(SUFFIXES))
@pytest.mark.parametrize("iid", list_instruments())
def test_every_bundled_instrument_exports_to_every_format(iid, fmt, tmp_path):
    path = export_instrument(iid, fmt, tmp_path / f"{iid}{SUFFIXES[fmt]}")
    assert path.stat().st_size > 0
    assert detect_instrument_version(path)["id"] == iid
