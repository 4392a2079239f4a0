"""Every shared survey export with answers is read without hand edits (../shared/exports, never copied).

Expected row counts and cell values are derived from the raw files here with the csv module /
openpyxl / pyreadstat, independently of engagesurvey's readers.
"""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from engagesurvey.errors import InputError
from engagesurvey.instrument import instrument_from_dict
from engagesurvey.io import Responses, read_responses


def make_instrument(items, options, *, missing=(), texts=None):
    """items: {id: [aliases]}; options: [(code, label, [aliases])]."""
    texts = texts or {}
    return instrument_from_dict({
        "id": "t", "version": "1", "title": {"id": "t", "en": "t"}, "provenance": "test",
        "licence": "test",
        "response_scales": {"rs": {
            "options": [{"code": c, "label": {"id": lab, "en": lab}, "aliases": list(al)}
                        for c, lab, al in options],
            "missing_codes": list(missing)}},
        "items": [{"id": i, "text": {"id": texts.get(i, i), "en": texts.get(i, i)}, "response_scale": "rs",
                   "aliases": list(al)} for i, al in items.items()],
    })


def csv_rows(path, encoding="utf-8-sig", delimiter=","):
    with open(path, encoding=encoding, newline="") as fh:
        return [r for r in csv.reader(fh, delimiter=delimiter) if r]


def column(rows, n_header, heading, occurrence=0):
    j = [k for k, h in enumerate(rows[0]) if h == heading][occurrence]
    return [r[j] for r in rows[n_header:]]


def xlsx_rows(path):
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


# ------------------------------------------------------------------------------------------- Qualtrics

QT = "qualtrics/QualtricsTools-Single_Answer_Matrix_Questions"
MATRIX = make_instrument(
    {"Q2_1": [], "Q2_2": [], "Q2_3": [], "Q4_1": [], "Q4_2": [], "Q4_3": [], "Q5_question_one": []},
    [(1, "Click to write Scale point 1", []), (2, "Click to write Scale point 2", []),
     (3, "Click to write Scale point 3", []), (4, "Click to write Scale point 4", []),
     (10, "recode 10", []), (11, "recode 11", []), (12, "recode 12", []), (13, "recode 13", [])],
)


@pytest.mark.parametrize("variant, n_header, mapping", [
    (" (Insights).csv", 3, None),
    (".csv", 2, {"question_one.1": "Q5_question_one"}),
])
def test_qualtrics_single_answer_matrix(exports_dir, variant, n_header, mapping):
    path = exports_dir / (QT + variant)
    res = read_responses(path, MATRIX, mapping=mapping)
    rows = csv_rows(path)
    assert isinstance(res, Responses) and res.format == "qualtrics"
    assert res.n_rows == len(rows) - n_header == len(res.data)
    assert list(res.data.index) == list(range(1, res.n_rows + 1))
    for item in ("Q2_1", "Q2_2", "Q2_3", "Q4_1", "Q4_2", "Q4_3"):
        expect = np.array([float(v) if v else np.nan for v in column(rows, n_header, item)])
        np.testing.assert_array_equal(res.data[item].to_numpy(), expect)
    assert set(res.data["Q4_1"].dropna()) <= {10.0, 11.0, 12.0, 13.0}
    # the second 'question_one' (Q5, recode values 10-13) in both variants
    heading, occ = ("Q5_question_one", 0) if n_header == 3 else ("question_one", 1)
    expect = np.array([float(v) for v in column(rows, n_header, heading, occ)])
    np.testing.assert_array_equal(res.data["Q5_question_one"].to_numpy(), expect)
    assert res.id_column == "ResponseID"
    assert list(res.data["ResponseID"]) == column(rows, n_header, "ResponseID" if n_header == 3 else "V1")
    assert res.duration_column == "duration_seconds"
    assert res.data["duration_seconds"].notna().all()


def test_qualtrics_modern_json_import_ids(exports_dir):
    path = exports_dir / "qualtrics/qualtRics-sample.csv"
    inst = make_instrument({"Q1": []}, [(1, "a", []), (2, "b", []), (3, "c", [])])
    res = read_responses(path, inst)
    rows = csv_rows(path)
    assert res.n_rows == len(rows) - 3
    assert res.data["Q1"].iloc[0] == float(column(rows, 3, "Q1")[0])
    assert res.data["duration_seconds"].iloc[0] == float(column(rows, 3, "Duration (in seconds)")[0])
    assert res.data["ResponseId"].iloc[0] == column(rows, 3, "ResponseId")[0]
    # the ImportId row is an extra name: QID1 finds the same column
    res2 = read_responses(path, make_instrument({"choice": ["QID1"]}, [(1, "a", []), (2, "b", [])]))
    assert res2.item_columns == {"choice": "Q1"}


def test_qualtrics_legacy_bom_trailing_comma(exports_dir):
    path = exports_dir / "qualtrics/qualtRics-sample_legacy.csv"
    inst = make_instrument({"Q1": []}, [(1, "a", []), (2, "b", []), (3, "c", [])])
    res = read_responses(path, inst)
    rows = csv_rows(path)
    assert res.n_rows == len(rows) - 2
    assert res.data["Q1"].iloc[0] == float(column(rows, 2, "Q1")[0])
    assert res.data["ResponseID"].iloc[0] == rows[2][0]
    assert (res.log["event"] == "dropped_column").sum() == 1  # the empty trailing column


def test_qualtrics_sample_survey_matrix(exports_dir):
    path = exports_dir / "qualtrics/QualtricsTools-Sample_Survey.csv"
    inst = make_instrument({"Q8_1": [], "Q8_2": [], "Q8_3": []},
                           [(1, "Click to write Scale point 1", []), (2, "Click to write Scale point 2", [])])
    res = read_responses(path, inst)
    rows = csv_rows(path)
    assert res.n_rows == len(rows) - 3
    for item in ("Q8_1", "Q8_2", "Q8_3"):
        expect = np.array([float(v) if v else np.nan for v in column(rows, 3, item)])
        np.testing.assert_array_equal(res.data[item].to_numpy(), expect)


# ------------------------------------------------------------------------------------------ Kobo / ODK


def test_kobo_xlsx_likert_choice_names(exports_dir):
    path = exports_dir / "kobo_odk/kobocruncher-data_likert.xlsx"
    raw = xlsx_rows(path)
    raw = [r for r in raw if any(v not in (None, "") for v in r)]
    heads = raw[0]
    items = {h.split(".")[-1]: [] for h in heads}
    table = {"unlikely": 1, "neutral": 2, "likely": 3}
    inst = make_instrument(items, [(1, "Improbable", ["unlikely"]), (2, "Neutral", []),
                                   (3, "Probable", ["likely"])])
    res = read_responses(path, inst)
    assert res.format == "kobo"
    assert res.n_rows == len(raw) - 1 == 120
    for j, h in enumerate(heads):
        iid = h.split(".")[-1]
        assert res.item_columns[iid] == h
        expect = np.array([table[r[j]] if r[j] else np.nan for r in raw[1:]], dtype=float)
        np.testing.assert_array_equal(res.data[iid].to_numpy(), expect)


@pytest.mark.parametrize("name, id_col", [
    ("ruODK-build_Flora-Quadrat-0-2_1558575936.csv", "meta-instanceID"),
    ("ruODK-build_Flora-Quadrat-0-2_1558575936-taxon_encounter.csv", "KEY"),
])
def test_odk_central_read_only(exports_dir, name, id_col):
    path = exports_dir / "kobo_odk" / name
    res = read_responses(path)
    rows = csv_rows(path)
    assert res.n_rows == len(rows) - 1
    assert res.id_column == id_col
    assert list(res.data[id_col]) == column(rows, 1, id_col)


# ------------------------------------------------------------------------------------------ LimeSurvey


def test_limesurvey_de_public_data_bom_labels(exports_dir):
    path = exports_dir / "limesurvey/international-survey-2017-de-public_data.csv"
    rows = csv_rows(path, encoding="utf-8")
    ten = [(1, "1 (None at all)", [])] + [(k, str(k), []) for k in range(2, 10)] + [(10, "10 (All my time)", [])]
    ids = ["perfCheck1", "perfCheck2", "perfCheck5", "turnOver1", "turnOver3"]
    inst = make_instrument({i: [] for i in ids}, ten)
    res = read_responses(path, inst)
    assert res.format == "limesurvey"
    assert res.n_rows == len(rows) - 1 == 325
    for iid in ids:
        j = next(k for k, h in enumerate(rows[0]) if f"[{iid}]" in h)
        assert res.item_columns[iid] == rows[0][j]
        # expected code: the leading number of the raw label (after dropping the stray U+FEFF)
        expect = np.array([float(r[j].replace("\ufeff", "").split()[0]) if r[j] else np.nan
                           for r in rows[1:]])
        np.testing.assert_array_equal(res.data[iid].to_numpy(), expect)
    assert sum("\ufeff" in r[rows[0].index(res.item_columns["turnOver3"])] for r in rows) > 0


def test_limesurvey_de_agreement_and_zero_based(exports_dir):
    path = exports_dir / "limesurvey/international-survey-2017-de-public_data.csv"
    rows = csv_rows(path, encoding="utf-8")
    agree = ["Strongly disagree", "Disagree", "Neither agree or disagree", "Agree", "Strongly Agree"]
    inst = make_instrument({"affSat1": [], "affSat2": [], "progRSE1": []},
                           [(k + 1, lab, []) for k, lab in enumerate(agree)])
    res = read_responses(path, inst)
    for iid in ("affSat1", "affSat2", "progRSE1"):
        j = next(k for k, h in enumerate(rows[0]) if f"[{iid}]" in h)
        expect = np.array([agree.index(r[j]) + 1.0 if r[j] else np.nan for r in rows[1:]])
        np.testing.assert_array_equal(res.data[iid].to_numpy(), expect)
    eleven = ([(0, "0 - Not at all satisfied", [])] + [(k, str(k), []) for k in range(1, 10)]
              + [(10, "10 - Completely satisfied", [])])
    res = read_responses(path, make_instrument({"satisgen1": [], "satisgen2": []}, eleven))
    for iid in ("satisgen1", "satisgen2"):
        j = next(k for k, h in enumerate(rows[0]) if f"[{iid}]" in h)
        expect = np.array([float(r[j].replace("\ufeff", "").split()[0]) if r[j] else np.nan
                           for r in rows[1:]])
        np.testing.assert_array_equal(res.data[iid].to_numpy(), expect)


def test_limonaid_r_data_file_full_text_headings(exports_dir):
    path = exports_dir / "limesurvey/limonaid-survey_100001_R_data_file.csv"
    rows = csv_rows(path)
    subq = {"int_alc": "Alcohol:|absolutely not|absolutely",
            "int_can": "Cannabis (weed or hashish):|absolutely not|absolutely"}
    full = {"help_medical": next(h for h in rows[0] if h.startswith("If I'm out and I experience a medical")),
            "help_drugs": "If I'm out and I experience drugs-related problems, I intend to get help."}
    opts = [(k, str(k), []) for k in range(0, 8)]
    inst = make_instrument({**{k: [v] for k, v in subq.items()}, **{k: [v] for k, v in full.items()}}, opts)
    # "[Alcohol:|absolutely not|absolutely]" ends two headings: ambiguity is an error naming both
    with pytest.raises(InputError, match=r"item 'int_alc' matches 2 columns: .*use any.*drink alcohol"):
        read_responses(path, inst)
    subq["int_alc"] = next(h for h in rows[0] if h.startswith("Please indicate whether you intend to use")
                           and "[Alcohol:" in h)
    inst = make_instrument({**{k: [v] for k, v in subq.items()}, **{k: [v] for k, v in full.items()}}, opts)
    res = read_responses(path, inst)
    assert res.n_rows == len(rows) - 1 == 3  # the trailing blank line is not a response
    for iid, sub in subq.items():
        head = sub if sub in rows[0] else next(h for h in rows[0] if h.endswith(f"[{sub}]"))
        expect = np.array([float(v) if v else np.nan for v in column(rows, 1, head)])
        np.testing.assert_array_equal(res.data[iid].to_numpy(), expect)
    for iid, head in full.items():
        expect = np.array([float(v) if v else np.nan for v in column(rows, 1, head)])
        np.testing.assert_array_equal(res.data[iid].to_numpy(), expect)
    assert res.id_column == "Response ID"
    np.testing.assert_allclose(res.data["duration_seconds"].to_numpy(),
                               [float(v) for v in column(rows, 1, "Total time")])
    assert (res.log["event"] == "renamed_column").sum() >= 17  # duplicate and empty headings


def test_limesurvey_structure_file_is_not_responses(exports_dir):
    with pytest.raises(InputError, match=r"limonaid-testing-export.txt: .*survey structure"):
        read_responses(exports_dir / "limesurvey/limonaid-testing-export.txt")


# ---------------------------------------------------------------------------------------- Google Forms


def test_google_forms_jupyter_survey_by_question_text(exports_dir):
    path = exports_dir / "google_forms/jupyter-surveys-2016-05-education-survey-responses.csv"
    rows = csv_rows(path, encoding="utf-8")
    q_exp = next(h for h in rows[0] if h.startswith("What is the minimum level of programming"))
    q_size = "Approximately how many students are in your class?"
    exp_levels = ["Complete novice (no experience)", "Novice (~1 semester of experience)",
                  "Intermediate (a year of experience)", "Advanced (2-3 years of experience)"]
    sizes = ["Less than 10", "10 - 25", "25 - 50", "50 - 100", "100 - 250", "250 - 500", "More than 500"]
    inst_exp = make_instrument({"experience": []}, [(k + 1, lab, []) for k, lab in enumerate(exp_levels)],
                               texts={"experience": q_exp})
    res = read_responses(path, inst_exp)
    assert res.format == "google_forms"
    assert res.n_rows == len(rows) - 1 == 125
    expect = np.array([exp_levels.index(v) + 1.0 if v else np.nan for v in column(rows, 1, q_exp)])
    np.testing.assert_array_equal(res.data["experience"].to_numpy(), expect)
    # multi-line answers stay in their row
    inst_size = make_instrument({"class_size": [q_size]}, [(k + 1, lab, []) for k, lab in enumerate(sizes)])
    res = read_responses(path, inst_size)
    expect = np.array([sizes.index(v) + 1.0 for v in column(rows, 1, q_size)])
    np.testing.assert_array_equal(res.data["class_size"].to_numpy(), expect)
    assert list(res.data["Timestamp"]) == column(rows, 1, "Timestamp")
    assert res.id_column is None and res.duration_column is None


# ---------------------------------------------------------------------------------------------- REDCap


def test_redcap_simple_with_dictionary_found_next_to_it(exports_dir):
    path = exports_dir / "redcap/REDCapR-simple-data.csv"
    rows = csv_rows(path)
    inst = make_instrument({"ethnicity": []}, [(0, "Unknown / Not Reported", []),
                                               (1, "NOT Hispanic or Latino", []),
                                               (2, "Hispanic or Latino", [])])
    res = read_responses(path, inst)
    assert res.format == "redcap" and res.id_column == "record_id"
    assert res.n_rows == len(rows) - 1
    np.testing.assert_array_equal(res.data["ethnicity"].to_numpy(),
                                  [float(v) for v in column(rows, 1, "ethnicity")])
    assert res.value_labels["ethnicity"][2.0] == "Hispanic or Latino"
    assert res.value_labels["race___1"] == {0.0: "Unchecked", 1.0: "Checked"}
    # the multi-line address stays one cell
    assert list(res.data["address"]) == column(rows, 1, "address")


def test_redcap_checkboxes_explicit_dictionary(exports_dir):
    path = exports_dir / "redcap/REDCapR-checkboxes-1-data.csv"
    rows = csv_rows(path)
    res = read_responses(path, dictionary=exports_dir / "redcap/REDCapR-checkboxes-1-dictionary.csv")
    assert res.n_rows == len(rows) - 1 and res.format == "redcap"
    assert list(res.data["check_two___c"]) == [int(v) for v in column(rows, 1, "check_two___c")]
    assert res.value_labels["check_two___c"][1.0] == "Checked"


# ------------------------------------------------------------------------------------- SPSS and Stata


@pytest.mark.parametrize("name", ["pyreadstat-sample.sav", "pyreadstat-sample.dta"])
def test_spss_stata_value_labels_keep_codes(exports_dir, name):
    path = exports_dir / "spss_stata" / name
    reader = pyreadstat.read_dta if name.endswith(".dta") else pyreadstat.read_sav
    labelled, _ = reader(str(path), apply_value_formats=True)
    inst = make_instrument({"myord": []}, [(1, "low", []), (2, "medium", []), (3, "high", [])])
    res = read_responses(path, inst)
    assert res.format == ("stata" if name.endswith(".dta") else "spss")
    assert res.n_rows == len(labelled)
    expect = labelled["myord"].map({"low": 1.0, "medium": 2.0, "high": 3.0}).to_numpy(dtype=float)
    np.testing.assert_array_equal(res.data["myord"].to_numpy(), expect)
    assert res.value_labels["mylabl"] == {1: "Male", 2: "Female"}


def test_spss_user_missing_to_nan_logged(exports_dir):
    path = exports_dir / "spss_stata/haven-labelled-num-na.sav"
    raw, meta = pyreadstat.read_sav(str(path), user_missing=True)
    lo = meta.missing_ranges["VAR00002"][0]["lo"]
    inst = make_instrument({"VAR00002": []}, [(k, f"c{k}", []) for k in range(1, 6)])
    res = read_responses(path, inst)
    is_missing = raw["VAR00002"].to_numpy() == lo
    assert is_missing.any()
    assert res.data["VAR00002"][is_missing].isna().all()
    np.testing.assert_array_equal(res.data["VAR00002"][~is_missing].to_numpy(),
                                  raw["VAR00002"][~is_missing].to_numpy())
    ev = res.log[res.log["event"] == "user_missing"]
    assert list(ev["row"]) == [int(k) + 1 for k in np.flatnonzero(is_missing)]
    assert (ev["column"] == "VAR00002").all()


def test_spss_user_missing_read_only(exports_dir):
    res = read_responses(exports_dir / "spss_stata/pyreadstat-missing_test.sav")
    raw, meta = pyreadstat.read_sav(str(exports_dir / "spss_stata/pyreadstat-missing_test.sav"),
                                    user_missing=True)
    assert res.n_rows == len(raw)
    assert res.data["var1"].isna().sum() == (res.log["event"] == "user_missing").sum() == 1


def test_spss_string_codes_read_through_value_labels(exports_dir):
    path = exports_dir / "spss_stata/haven-labelled-str.sav"
    labelled, _ = pyreadstat.read_sav(str(path), apply_value_formats=True)
    inst = make_instrument({"gender": []}, [(1, "Female", []), (2, "Male", [])])
    res = read_responses(path, inst)
    expect = labelled["gender"].map({"Female": 1.0, "Male": 2.0}).to_numpy(dtype=float)
    np.testing.assert_array_equal(res.data["gender"].to_numpy(), expect)


# ------------------------------------------------------------------------------------------ SurveyMonkey


def test_surveymonkey_flattened_text_fields(exports_dir):
    path = exports_dir / "surveymonkey/jupyter-surveys-2020-12-text_fields.csv"
    rows = csv_rows(path, encoding="utf-8")
    res = read_responses(path)
    assert res.format == "surveymonkey" and res.id_column == "Respondent ID"
    assert res.n_rows == len(rows) - 1
    assert [str(v) for v in res.data["Respondent ID"]] == column(rows, 1, "Respondent ID")


# ------------------------------------------------------------------------------ every file: nothing lost


def test_every_text_export_keeps_every_row(exports_dir):
    """n_rows equals the file's data rows (csv module count) for every CSV export, read-only."""
    checked = 0
    for path in sorted(exports_dir.rglob("*.csv")):
        if "dictionary" in path.name:
            continue
        res = read_responses(path)
        raw = path.read_bytes()
        enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        rows = csv_rows(path, encoding=enc)
        heads = {"qualtrics": 3 if rows[2][0].startswith("{") else 2}.get(res.format, 1)
        assert res.n_rows == len(rows) - heads, path.name
        assert isinstance(res.log, pd.DataFrame)
        assert list(res.log.columns) == ["row", "column", "value", "event", "message"]
        checked += 1
    assert checked >= 12


@pytest.mark.parametrize("name", ["pyxform-tutorial.xls", "pyxform-group.xlsx", "kobocruncher-form_likert.xlsx"])
def test_excel_files_read_only_keep_every_row(exports_dir, name):
    """.xls via xlrd and .xlsx via openpyxl: the first sheet's rows, counted independently."""
    path = exports_dir / "kobo_odk" / name
    if name.endswith(".xls"):
        import xlrd

        sh = xlrd.open_workbook(str(path)).sheet_by_index(0)
        raw = [[c.value for c in sh.row(i)] for i in range(sh.nrows)]
    else:
        raw = xlsx_rows(path)
    while raw and all(v in (None, "") for v in raw[-1]):
        raw.pop()
    res = read_responses(path)
    assert res.format == "excel"
    assert res.n_rows == len(raw) - 1
    first = [v for v in raw[0] if v not in (None, "")][0]
    assert str(first) == res.data.columns[0]
    col = [r[0] for r in raw[1:]]
    got = list(res.data.iloc[:, 0])
    assert [None if v in (None, "") else v for v in col] == [None if pd.isna(v) else v for v in got]
