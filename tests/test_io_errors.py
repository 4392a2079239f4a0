"""Malformed input: every mistake raises InputError with one line naming file, row, column and value."""

from __future__ import annotations

import os

import pandas as pd
import pyreadstat
import pytest

from engagesurvey.errors import EngageSurveyError, InputError
from engagesurvey.instrument import instrument_from_dict
from engagesurvey.io import read_responses

AGREE = [(1, "Sangat Tidak Setuju", "Strongly disagree", ["STS"]), (2, "Tidak Setuju", "Disagree", ["TS"]),
         (3, "Netral", "Neutral", ["N"]), (4, "Setuju", "Agree", ["S"]), (5, "Sangat Setuju", "Strongly agree", ["SS"])]


def instrument(items=("q1", "q2", "q3"), *, numeric=None, aliases=None, missing=()):
    aliases = aliases or {}
    scale = ({"numeric": {"min": numeric[0], "max": numeric[1]}} if numeric else
             {"options": [{"code": c, "label": {"id": i, "en": e}, "aliases": a} for c, i, e, a in AGREE],
              "missing_codes": list(missing)})
    return instrument_from_dict({
        "id": "t", "version": "1", "title": {"id": "t", "en": "t"}, "provenance": "test", "licence": "test",
        "response_scales": {"rs": scale},
        "items": [{"id": i, "text": {"id": f"teks {i}", "en": f"text {i}"}, "response_scale": "rs",
                   "aliases": aliases.get(i, [])} for i in items],
    })


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def test_unknown_labels_all_listed_with_counts(tmp_path):
    p = write(tmp_path, "survey.csv",
              "id,q1,q2,q3\nr1,Setuju,Agre,SS\nr2,Agre,4,Nope\nr3,agree,Agre,Neutral\n")
    with pytest.raises(InputError) as exc:
        read_responses(p, instrument())
    msg = str(exc.value)
    assert msg.startswith("survey.csv, row 1, column 'q2', value 'Agre': 2 unknown answer label(s) in 4 cell(s)")
    assert "'Agre' x2 in 'q2'" in msg and "'Agre' x1 in 'q1'" in msg and "'Nope' x1 in 'q3'" in msg
    assert "\n" not in msg
    assert exc.value.file == "survey.csv" and exc.value.column == "q2" and exc.value.row == 1


def test_out_of_range_code(tmp_path):
    p = write(tmp_path, "codes.csv", "id,q1,q2,q3\na,1,2,3\nb,4,7,5\nc,0,7,1\n")
    with pytest.raises(InputError, match=r"^codes\.csv, row 2, column 'q2', value 7: 2 out-of-range code\(s\) "
                                         r"in 3 cell\(s\): 7 x2 in 'q2' \(allowed 1, 2, 3, 4, 5\); 0 x1 in 'q1'"):
        read_responses(p, instrument())


def test_numeric_scale_out_of_range(tmp_path):
    p = write(tmp_path, "pct.csv", "id,q1\na,50\nb,150\n")
    with pytest.raises(InputError, match=r"pct\.csv, row 2, column 'q1', value 150: .*allowed 0 to 100"):
        read_responses(p, instrument(("q1",), numeric=(0, 100)))


def test_duplicate_ids_listed(tmp_path):
    p = write(tmp_path, "dups.csv", "ResponseId,q1\nR_1,1\nR_2,2\nR_1,3\nR_3,4\nR_2,5\nR_1,1\n")
    with pytest.raises(InputError, match=r"^dups\.csv, row 3, column 'ResponseId', value 'R_1': 2 respondent "
                                         r"id\(s\) occur more than once: 'R_1' \(rows 1, 3, 6\); 'R_2' \(rows 2, 5\)"):
        read_responses(p)


def test_missing_item_columns_with_suggestions(tmp_path):
    p = write(tmp_path, "cols.csv", "id,engage1,engage_2x,other\na,1,2,x\n")
    with pytest.raises(InputError) as exc:
        read_responses(p, instrument(("engage_1", "engage_2", "pride")))
    msg = str(exc.value)
    assert msg.startswith("cols.csv: 3 instrument item(s) not found among the 4 columns")
    assert "'engage_1' (did you mean 'engage1'" in msg
    assert "'engage_2' (did you mean 'engage_2x'" in msg
    assert "'pride'" in msg and "mapping={column: item}" in msg


def test_empty_file(tmp_path):
    p = write(tmp_path, "empty.csv", b"")
    with pytest.raises(InputError, match=r"^empty\.csv: the file is empty"):
        read_responses(p, instrument())


def test_whitespace_only_file(tmp_path):
    p = write(tmp_path, "blank.csv", "\n\n  \n")
    with pytest.raises(InputError, match=r"^blank\.csv: the file is empty"):
        read_responses(p)


def test_header_only_file(tmp_path):
    p = write(tmp_path, "header.csv", "id,q1,q2,q3\n")
    with pytest.raises(InputError, match=r"^header\.csv: no data rows: the file has only its header"):
        read_responses(p, instrument())


def test_qualtrics_header_rows_only(tmp_path):
    p = write(tmp_path, "qx.csv", 'ResponseId,Q1\nResponse ID,How?\n"{""ImportId"":""_recordId""}",'
                                  '"{""ImportId"":""QID1""}"\n')
    with pytest.raises(InputError, match=r"^qx\.csv: no data rows: the file has only its header \(3 header"):
        read_responses(p)


def test_binary_garbage_as_csv(tmp_path):
    p = write(tmp_path, "garbage.csv", os.urandom(4000) + b"\x00\x01\x02" * 50)
    with pytest.raises(InputError, match=r"^garbage\.csv: not a text file"):
        read_responses(p, instrument())


def test_xlsx_content_with_csv_extension(tmp_path):
    x = tmp_path / "real.xlsx"
    pd.DataFrame({"id": ["a"], "q1": [1]}).to_excel(x, index=False)
    p = write(tmp_path, "export.csv", x.read_bytes())
    with pytest.raises(InputError, match=r"^export\.csv: the content does not match the extension '\.csv': "
                                         r"it is an Excel workbook \(\.xlsx\); .*format='excel'"):
        read_responses(p)


def test_text_content_with_xlsx_extension(tmp_path):
    p = write(tmp_path, "export.xlsx", "id,q1\na,1\n")
    with pytest.raises(InputError, match=r"^export\.xlsx: the content does not match the extension '\.xlsx': "
                                         r"it is text, not an Excel workbook"):
        read_responses(p)


def test_corrupt_workbook(tmp_path):
    p = write(tmp_path, "broken.xlsx", b"PK\x03\x04" + b"[Content_Types].xml" + os.urandom(300))
    with pytest.raises(InputError, match=r"^broken\.xlsx: not a readable Excel workbook"):
        read_responses(p)


def test_format_does_not_match_content(tmp_path):
    p = write(tmp_path, "plain.csv", "id,q1\na,1\n")
    with pytest.raises(InputError, match=r"^plain\.csv: does not look like a qualtrics export"):
        read_responses(p, format="qualtrics")
    with pytest.raises(InputError, match=r"^plain\.csv: format='spss' does not match the content: it is a "
                                         r"delimited text file"):
        read_responses(p, format="spss")
    with pytest.raises(InputError, match=r"unknown format 'sav'"):
        read_responses(p, format="sav")


def test_sav_renamed_to_csv(tmp_path):
    sav = tmp_path / "x.sav"
    pyreadstat.write_sav(pd.DataFrame({"q1": [1.0, 2.0]}), str(sav))
    p = write(tmp_path, "x.csv", sav.read_bytes())
    with pytest.raises(InputError, match=r"^x\.csv: the content does not match .*SPSS \.sav.*format='spss'"):
        read_responses(p)


def test_mapping_file_names_unknown_item(tmp_path):
    p = write(tmp_path, "data.csv", "id,A,B,C\na,1,2,3\n")
    m = write(tmp_path, "map.csv", "column,item\nA,q1\nB,q_2\nC,q3\n")
    with pytest.raises(InputError, match=r"^map\.csv, row 3, column 'B', value 'q_2': mapping names an item "
                                         r"that is not in instrument 't'; did you mean 'q2'"):
        read_responses(p, instrument(), mapping=m)


def test_mapping_names_missing_column(tmp_path):
    p = write(tmp_path, "data.csv", "id,Answer A,B,C\na,1,2,3\n")
    m = write(tmp_path, "map.yaml", "columns:\n  Answer_A: q1\n  B: q2\n  C: q3\n")
    with pytest.raises(InputError, match=r"^map\.yaml, column 'Answer_A', value 'q1': mapping names a column "
                                         r"that is not in data\.csv; close headings: 'Answer A'"):
        read_responses(p, instrument(), mapping=m)


def test_mapping_dict_without_instrument(tmp_path):
    p = write(tmp_path, "data.csv", "id,A\na,1\n")
    with pytest.raises(InputError, match=r"^data\.csv: mapping= needs an instrument"):
        read_responses(p, mapping={"A": "q1"})


def test_id_column_not_found(tmp_path):
    p = write(tmp_path, "ids.csv", "resp_id,q1,q2,q3\na,1,2,3\n")
    with pytest.raises(InputError, match=r"^ids\.csv, column 'respid': id column not found; close headings: 'resp_id'"):
        read_responses(p, instrument(), id_column="respid")


def test_ragged_row(tmp_path):
    p = write(tmp_path, "ragged.csv", "id,q1,q2,q3\na,1,2,3\nb,1,2,3,4,5\n")
    with pytest.raises(InputError, match=r"^ragged\.csv, row 2: has 6 fields but the header has 4"):
        read_responses(p)


def test_ambiguous_decimal_comma_is_not_a_number(tmp_path):
    p = write(tmp_path, "num.csv", "id;q1\na;1,500\nb;2,5\n")
    with pytest.raises(InputError, match=r"^num\.csv, row 1, column 'q1', value '1,500': 1 unknown answer label"):
        read_responses(p, instrument(("q1",), numeric=(0, 100)))


def test_two_columns_match_one_item(tmp_path):
    p = write(tmp_path, "two.csv", "id,g1/q1,g2/q1,q2,q3\na,1,2,3,4\n")
    with pytest.raises(InputError, match=r"^two\.csv, column 'g1/q1': item 'q1' matches 2 columns: 'g1/q1', "
                                         r"'g2/q1'; say which with mapping"):
        read_responses(p, instrument())


def test_spss_value_labels_disagree_with_instrument(tmp_path):
    p = tmp_path / "zero.sav"
    df = pd.DataFrame({"q1": [0.0, 1.0, 4.0], "q2": [1.0, 2.0, 3.0], "q3": [1.0, 1.0, 1.0]})
    labels = {k: v for k, v in zip([0.0, 1.0, 2.0, 3.0, 4.0],
                                   ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"])}
    pyreadstat.write_sav(df, str(p), variable_value_labels={"q1": labels})
    with pytest.raises(InputError, match=r"^zero\.sav, row 1, column 'q1', value 0: value labels disagree with the "
                                         r"instrument's codes: 0 in 'q1' is labelled as code 1; 1 in 'q1' "
                                         r"is labelled as code 2"):
        read_responses(p, instrument())


def test_errors_are_engagesurvey_errors(tmp_path):
    p = write(tmp_path, "missing.csv", "x\n1\n")
    with pytest.raises(EngageSurveyError):
        read_responses(tmp_path / "nope.csv")
    with pytest.raises(InputError, match=r"^nope\.csv: file not found"):
        read_responses(tmp_path / "nope.csv")
    assert read_responses(p).n_rows == 1
