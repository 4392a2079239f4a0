"""Mends from the review of the whole change: user mistakes that ended in a traceback or passed
silently, a small group named in the report, spreadsheet output not neutralised."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import engagesurvey as es
from engagesurvey.cli import main
from engagesurvey.errors import EngageSurveyError, InputError
from engagesurvey.instrument import Instrument
from engagesurvey.report import anonymity
from engagesurvey.simulate import DEMO_INSTRUMENTS, simulate


@pytest.fixture(scope="module")
def small_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("mends")
    survey = simulate(4, 40, 300, seed=5)
    data = survey.data.copy()
    data.loc[data.index[:3], "agency"] = "=Tiny <b>Agency</b>"  # 3 people: under every threshold
    path = out / "export.csv"
    data.to_csv(path, index=False)
    return out, path


def test_boolean_and_date_item_columns_are_errors_not_codes():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=0, max=5)
    with pytest.raises(InputError, match=r"row 0, column 'a', value True: not a numeric code \(bool column"):
        es.score(pd.DataFrame({"a": [True, False], "b": [1.0, 2.0]}), inst, careless=False)
    dates = pd.DataFrame({"a": pd.to_datetime(["2024-01-01", "2024-02-01"]), "b": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"column 'a'.*not a numeric code \(datetime64"):
        es.score(dates, inst, careless=False)


@pytest.mark.parametrize("rule", [[1], float("nan"), "a", "2", True, 0, -1, 1.5, 0.0])
def test_min_valid_of_the_wrong_kind_is_an_error(rule):
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    with pytest.raises(InputError, match=r"min_valid"):
        es.score(pd.DataFrame({"a": [1.0], "b": [2.0]}), inst, min_valid=rule, careless=False)


def test_min_valid_is_checked_by_the_streaming_scorer_too(tmp_path):
    pd.DataFrame({"a": [1, 2], "b": [2, 3]}).to_csv(tmp_path / "x.csv", index=False)
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    with pytest.raises(InputError, match=r"min_valid 'a'|min_valid must be"):
        es.score_stream(tmp_path / "x.csv", inst, tmp_path / "o.csv", min_valid="a")


def test_streaming_into_a_missing_folder_fails_before_any_work(tmp_path):
    pd.DataFrame({"a": [1, 2], "b": [2, 3]}).to_csv(tmp_path / "x.csv", index=False)
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    with pytest.raises(EngageSurveyError, match=r"the folder for 'o.csv' does not exist"):
        es.score_stream(tmp_path / "x.csv", inst, tmp_path / "nope" / "o.csv")


def test_summary_lists_only_reasons_that_occur():
    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    res = es.score(pd.DataFrame({"a": [np.nan, 1.0], "b": [np.nan, 2.0]}), inst, careless=False)
    text = res.summary()
    assert "excluded (1): no item answered" in text
    assert "excluded (0)" not in text


@pytest.mark.parametrize("kw, message", [
    ({"n_agencies": 0}, "n_agencies must be a whole number >= 1, got 0"),
    ({"lang": "fr"}, "lang must be 'id' or 'en'"),
    ({"n_employees": 2.5}, "n_employees must be a whole number"),
])
def test_simulate_rejects_impossible_designs(kw, message):
    with pytest.raises(EngageSurveyError, match=message):
        simulate(**kw)


def test_simulate_gives_every_agency_its_own_name():
    data = simulate(20, 40, 200, seed=1).data
    assert data["agency"].nunique() == 20


def test_report_text_option_naming_no_column_is_one_line(small_export):
    out, path = small_export
    res = CliRunner().invoke(main, ["report", str(path), "-i", "cid,we", "--text", "nosuch",
                                    "--out", str(out / "r"), "--lang", "en"])
    assert res.exit_code == 2
    assert "--text 'nosuch' is not a column of the export" in res.output
    assert "Traceback" not in res.output


def test_small_group_is_not_named_in_the_report(small_export):
    out, path = small_export
    inst = es.combine_instruments(DEMO_INSTRUMENTS)
    result = es.score(es.read_responses(path, inst, id_column="respondent_id"), inst, careless=False)
    paths = es.report.build_report(result, out / "rep", langs=("en",), test=False, plan=False, seed=1)
    html = next(p for p in paths if str(p).endswith(".html")).read_text(encoding="utf-8")
    assert "Tiny" not in html
    assert (result.meta["agency"] == "=Tiny <b>Agency</b>").sum() == 3


def test_mask_small_groups():
    labels = pd.Series(["a"] * 5 + ["b"] * 2 + [None])
    masked = anonymity.mask_small_groups(labels, 5)
    assert masked.tolist()[:5] == ["a"] * 5 and masked.iloc[5:].isna().all()


def test_qual_commands_on_an_unreadable_file_are_one_line(tmp_path):
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"\xff\xfe\x00\x01" * 50 + b"\x80\x81")
    for args in (["qual", "code", str(bad), "--out", str(tmp_path / "q")],
                 ["qual", "cases", str(bad), "--out", str(tmp_path / "c.csv")]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, res.output
        assert "cannot read the file" in res.output and "Traceback" not in res.output


def test_case_selection_refuses_one_column_in_two_roles():
    from engagesurvey.qual.cases import select_cases

    frame = pd.DataFrame({"we": np.arange(40.0), "unit": np.repeat(np.arange(8), 5)})
    with pytest.raises(EngageSurveyError, match=r"column 'unit' is given for two roles"):
        select_cases(frame, "we", "unit", "unit")


def test_case_selection_csv_is_neutralised(tmp_path):
    from engagesurvey.qual.cases import select_cases

    rng = np.random.default_rng(2)
    units = np.repeat([f"=U{u}" for u in range(12)], 8)
    frame = pd.DataFrame({"we": rng.normal(size=units.size) + np.repeat(rng.normal(size=12), 8),
                          "unit": units, "agency": np.repeat(["@A", "B"], 48)})
    sel = select_cases(frame, "we", "unit", "agency", n_per_type=1, seed=1)
    written = pd.read_csv(sel.to_csv(tmp_path / "cases.csv"), dtype=str)
    cells = written.to_numpy().ravel()
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "@")) for c in cells)
    assert any(isinstance(c, str) and c.startswith("'=U") for c in cells)


def test_dask_on_a_missing_or_ragged_file_is_one_line(tmp_path):
    pytest.importorskip("dask.dataframe")
    from engagesurvey.dask_backend import score_dask

    inst = Instrument.from_keys({"s": ["a", "b"]}, min=1, max=5)
    with pytest.raises(InputError, match=r"cannot open for Dask"):
        score_dask(tmp_path / "nope.csv", inst, scheduler="synchronous")
    with pytest.raises(InputError, match=r"cannot open for Dask"):
        score_dask(tmp_path, inst, scheduler="synchronous")  # a folder without Parquet files
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n" + "1,2\n" * 50 + "1,2,3,4\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"not a readable delimited text file"):
        score_dask(ragged, inst, scheduler="synchronous")


def test_csv_and_excel_decide_text_or_number_by_one_rule(tmp_path):
    """'1_000' is text (Python's float() would take it), '007' is text, blanks are missing: the same
    columns read the same from CSV and from an Excel sheet with empty cells."""
    frame = pd.DataFrame({"id": ["r1", "r2", "r3"], "under": ["1_000", None, "5"],
                          "zero": ["007", "8", None], "plain": ["1.5", None, "2"]})
    frame.to_csv(tmp_path / "x.csv", index=False)
    frame.to_excel(tmp_path / "x.xlsx", index=False)
    from_csv = es.read_responses(tmp_path / "x.csv", id_column="id").data
    from_xlsx = es.read_responses(tmp_path / "x.xlsx", id_column="id").data
    for col in ("under", "zero", "plain"):
        assert from_csv[col].tolist() == pytest.approx(from_xlsx[col].tolist(), nan_ok=True) \
            if col == "plain" else from_csv[col].fillna("").tolist() == from_xlsx[col].fillna("").tolist()
    assert from_csv["under"].tolist()[0] == "1_000" and from_csv["plain"].dtype == float
