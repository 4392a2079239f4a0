"""Platform layouts, encodings, delimiters and mapping rules on small files written to tmp_path."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from engagesurvey.errors import InputError
from engagesurvey.instrument import instrument_from_dict
from engagesurvey.io import read_responses

AGREE = [(1, "Sangat Tidak Setuju", "Strongly disagree", ["STS"]), (2, "Tidak Setuju", "Disagree", ["TS"]),
         (3, "Netral", "Neutral", ["N"]), (4, "Setuju", "Agree", ["S"]), (5, "Sangat Setuju", "Strongly agree", ["SS"]),
         (9, "Tidak tahu", "Don't know", ["TT"])]


def instrument(items=("q1", "q2"), *, numeric=None, aliases=None, missing=(9,), checks=False):
    aliases = aliases or {}
    scale = ({"numeric": {"min": numeric[0], "max": numeric[1]}} if numeric else
             {"options": [{"code": c, "label": {"id": i, "en": e}, "aliases": a} for c, i, e, a in AGREE],
              "missing_codes": list(missing)})
    raw = {
        "id": "t", "version": "1", "title": {"id": "t", "en": "t"}, "provenance": "test", "licence": "test",
        "response_scales": {"rs": scale},
        "items": [{"id": i, "text": {"id": f"teks {i}", "en": f"text {i}"}, "response_scale": "rs",
                   "aliases": aliases.get(i, [])} for i in items],
    }
    if checks:
        raw["attention_checks"] = [{"id": "ac1", "response_scale": "rs", "pass": [4],
                                    "text": {"id": "pilih Setuju", "en": "choose Agree"}}]
    return instrument_from_dict(raw)


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def n_data_rows(path, encoding="utf-8-sig", delimiter=",", n_header=1):
    with open(path, encoding=encoding, newline="") as fh:
        return sum(1 for r in csv.reader(fh, delimiter=delimiter) if r) - n_header


# ----------------------------------------------------------------------------- encodings and delimiters


def test_windows_1252_accents(tmp_path):
    text = "id;Qualité;Ánimo\nJosé;Setuju;sangat setuju\nRenée;  SANGAT   tidak setuju ;Netral\n"
    p = write(tmp_path, "latin.csv", text, encoding="cp1252")
    res = read_responses(p, instrument(aliases={"q1": ["Qualité"], "q2": ["ánimo"]}))
    assert list(res.data["id"]) == ["José", "Renée"]
    assert list(res.data["q1"]) == [4.0, 1.0] and list(res.data["q2"]) == [5.0, 3.0]
    assert res.item_columns == {"q1": "Qualité", "q2": "Ánimo"}
    assert res.n_rows == n_data_rows(p, encoding="cp1252", delimiter=";")


def test_utf8_bom_and_tab_delimiter(tmp_path):
    p = tmp_path / "bom.tsv"
    p.write_bytes("\ufeffid\tq1\tq2\n1\tAgree\tstrongly DISAGREE\n2\t\tS\n".encode("utf-8"))
    res = read_responses(p, instrument())
    assert res.id_column == "id" and "id" in res.data.columns
    np.testing.assert_array_equal(res.data["q1"].to_numpy(), [4.0, np.nan])
    np.testing.assert_array_equal(res.data["q2"].to_numpy(), [1.0, 4.0])
    assert len(res.log) == 0  # blank answers are no answer, not a recode


def test_semicolon_quoted_and_decimal_comma(tmp_path):
    p = write(tmp_path, "semi.csv", 'id;q1;q2;note\n"a";"12,5";7;"x; y"\nb;3;"0,25";\n')
    res = read_responses(p, instrument(numeric=(0, 100)))
    assert list(res.data["q1"]) == [12.5, 3.0] and list(res.data["q2"]) == [7.0, 0.25]
    assert res.data.loc[1, "note"] == "x; y" and pd.isna(res.data.loc[2, "note"])
    assert res.n_rows == n_data_rows(p, delimiter=";")


def test_missing_codes_logged_and_indonesian_labels(tmp_path):
    p = write(tmp_path, "ind.csv", "id,q1,q2\na,Tidak tahu,9\nb,sangat setuju,TT\nc,4,2\n")
    res = read_responses(p, instrument())
    np.testing.assert_array_equal(res.data["q1"].to_numpy(), [np.nan, 5.0, 4.0])
    np.testing.assert_array_equal(res.data["q2"].to_numpy(), [np.nan, np.nan, 2.0])
    log = res.log.sort_values(["row", "column"]).reset_index(drop=True)
    assert list(log["event"]) == ["missing_code"] * 3
    assert list(zip(log["row"], log["column"], log["value"])) == [(1, "q1", "Tidak tahu"), (1, "q2", "9"),
                                                                 (2, "q2", "TT")]
    frame = res.to_frame()
    assert list(frame["recoded_missing"]) == [1, 2] and list(frame["answered"]) == [2, 1]
    text = res.summary()
    assert "rows: 3" in text and "missing_code 3" in text and "q1" in text


def test_read_only_keeps_everything(tmp_path):
    p = write(tmp_path, "raw.csv", "id,q1,age,code\na,Agree,31,007\nb,,42,010\n")
    res = read_responses(p)
    assert res.instrument is None and res.item_columns == {}
    assert list(res.data["q1"].fillna("")) == ["Agree", ""]
    assert list(res.data["age"]) == [31, 42]
    assert list(res.data["code"]) == ["007", "010"]  # leading zeros stay text
    assert list(res.data.index) == [1, 2] and res.data.index.name == "row"


# ----------------------------------------------------------------------------------------------- mapping


def test_mapping_dict_overrides_and_csv_file(tmp_path):
    p = write(tmp_path, "m.csv", "id,q1,Frage 2,Frage 1\na,5,2,1\nb,4,3,2\n")
    res = read_responses(p, instrument(), mapping={"Frage 1": "q1", "Frage 2": "q2"})
    assert res.item_columns == {"q1": "Frage 1", "q2": "Frage 2"}
    assert list(res.data["q1"]) == [1.0, 2.0]
    assert "q1_orig" in res.data.columns and list(res.data["q1_orig"]) == [5, 4]
    assert (res.log["event"] == "renamed_column").sum() == 1
    m = write(tmp_path, "map.csv", "column,item\nFrage 1,q1\n frage 2 ,q2\n")
    res2 = read_responses(p, instrument(), mapping=m)
    assert res2.item_columns == res.item_columns


def test_mapping_yaml_list_form(tmp_path):
    p = write(tmp_path, "d.csv", "id,A,B\na,1,2\n")
    m = write(tmp_path, "map.yml", "- {column: A, item: q1}\n- {column: B, item: q2}\n")
    res = read_responses(p, instrument(), mapping=m)
    assert list(res.data["q1"]) == [1.0] and list(res.data["q2"]) == [2.0]


def test_item_text_and_alias_matching(tmp_path):
    p = write(tmp_path, "t.csv", "id,TEXT  Q1,Item_Two\na,1,2\n")
    res = read_responses(p, instrument(aliases={"q2": ["item_two"]}))
    assert res.item_columns == {"q1": "TEXT  Q1", "q2": "Item_Two"}


def test_attention_check_not_in_export_is_logged(tmp_path):
    p = write(tmp_path, "ac.csv", "id,q1,q2\na,1,2\n")
    res = read_responses(p, instrument(checks=True))
    assert list(res.log["event"]) == ["not_found"] and "ac1" in res.log["message"].iloc[0]
    p2 = write(tmp_path, "ac2.csv", "id,q1,q2,ac1\na,1,2,Setuju\n")
    assert read_responses(p2, instrument(checks=True)).data["ac1"].iloc[0] == 4.0


# ------------------------------------------------------------------------------------------- platforms


def test_surveymonkey_two_header_rows(tmp_path):
    text = (
        "Respondent ID,Collector ID,Start Date,End Date,IP Address,How do you feel at work?,,Comments\n"
        ",,,,,I feel energetic,I am proud of my work,Open-Ended Response\n"
        "114,431,11/30/2020 10:00:00 AM,11/30/2020 10:05:30 AM,1.2.3.4,Agree,Strongly agree,fine\n"
        "115,431,11/30/2020 11:00:00 AM,11/30/2020 11:01:00 AM,1.2.3.5,Neutral,,\n"
    )
    p = write(tmp_path, "sm.csv", text)
    res = read_responses(p, instrument(aliases={"q1": ["I feel energetic"], "q2": ["I am proud of my work"]}))
    assert res.format == "surveymonkey" and res.id_column == "Respondent ID"
    assert res.n_rows == n_data_rows(p, n_header=2) == 2
    np.testing.assert_array_equal(res.data["q1"].to_numpy(), [4.0, 3.0])
    np.testing.assert_array_equal(res.data["q2"].to_numpy(), [5.0, np.nan])
    assert res.item_columns["q1"] == "How do you feel at work? - I feel energetic"
    assert list(res.data["duration_seconds"]) == [330.0, 60.0]
    assert res.data.loc[1, "Comments"] == "fine"


def test_google_forms_grid_rows(tmp_path):
    text = ("Timestamp,Email Address,How much do you agree? [I feel energetic],How much do you agree? [I am proud]\n"
            "4/22/2016 19:57:50,a@x.org,Agree,Disagree\n4/22/2016 20:06:22,b@x.org,Strongly agree,Agree\n")
    p = write(tmp_path, "gf.csv", text)
    res = read_responses(p, instrument(aliases={"q1": ["i feel energetic"], "q2": ["I am proud"]}))
    assert res.format == "google_forms" and res.id_column is None
    assert list(res.data["q1"]) == [4.0, 5.0] and list(res.data["q2"]) == [2.0, 4.0]


def test_kobo_semicolon_csv_paths_and_choice_names(tmp_path):
    text = ("start;end;grp_work/q1;grp_work/grp_inner/q2;_id;_uuid;_submission_time;_index\n"
            "2024-03-01T10:00:00.000+07:00;2024-03-01T10:04:10.000+07:00;agree;strongly_agree;1;u-1;"
            "2024-03-01T03:05:00;1\n"
            "2024-03-01T11:00:00.000+07:00;2024-03-01T11:00:45.500+07:00;neutral;;2;u-2;2024-03-01T04:01:00;2\n")
    p = write(tmp_path, "kobo.csv", text)
    inst = instrument_from_dict({
        "id": "k", "version": "1", "title": {"id": "k", "en": "k"}, "provenance": "t", "licence": "t",
        "response_scales": {"rs": {"options": [
            {"code": c, "label": {"id": i, "en": e}, "aliases": [n]} for c, i, e, n in
            [(1, "STS", "Strongly disagree", "strongly_disagree"), (3, "N", "Neutral", "neutral"),
             (4, "S", "Agree", "agree"), (5, "SS", "Strongly agree", "strongly_agree")]]}},
        "items": [{"id": q, "text": {"id": q, "en": q}, "response_scale": "rs"} for q in ("q1", "q2")],
    })
    res = read_responses(p, inst)
    assert res.format == "kobo" and res.id_column == "_uuid"
    assert list(res.data["q1"]) == [4.0, 3.0]
    np.testing.assert_array_equal(res.data["q2"].to_numpy(), [5.0, np.nan])
    np.testing.assert_allclose(res.data["duration_seconds"].to_numpy(), [250.0, 45.5])
    assert res.item_columns == {"q1": "grp_work/q1", "q2": "grp_work/grp_inner/q2"}


def test_limesurvey_code_headings(tmp_path):
    text = ('id,submitdate,lastpage,startlanguage,interviewtime,"WE[SQ001]",WE_SQ002,"WE[SQ003]"\n'
            '7,2024-01-01 10:00:00,3,id,95.5,A4,A2,\ufeffA5\n8,,1,id,12,A1,,A3\n')
    p = write(tmp_path, "lime.csv", text)
    aliases = {"q1": ["WE[SQ001]"], "q2": ["WE_SQ002"], "q3": ["SQ003"]}
    opts = [{"code": k, "label": {"id": f"L{k}", "en": f"L{k}"}, "aliases": [f"A{k}"]} for k in range(1, 6)]
    inst = instrument_from_dict({
        "id": "l", "version": "1", "title": {"id": "l", "en": "l"}, "provenance": "t", "licence": "t",
        "response_scales": {"rs": {"options": opts}},
        "items": [{"id": q, "text": {"id": q, "en": q}, "response_scale": "rs", "aliases": aliases[q]}
                  for q in ("q1", "q2", "q3")],
    })
    res = read_responses(p, inst)
    assert res.format == "limesurvey" and res.id_column == "id"
    assert list(res.data["q1"]) == [4.0, 1.0]
    np.testing.assert_array_equal(res.data["q2"].to_numpy(), [2.0, np.nan])
    assert list(res.data["q3"]) == [5.0, 3.0]
    assert list(res.data["duration_seconds"]) == [95.5, 12.0]


def test_redcap_label_export_with_dictionary_and_events(tmp_path):
    dic = ('"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
           '"Choices, Calculations, OR Slider Labels","Field Note"\n'
           'record_id,survey,,text,"Record ID",,\n'
           'pmq1,survey,,dropdown,"Hours of sleep","0, Less than 5 | 1, 5-10 | 2, More than 10",\n'
           'pmq2,survey,,radio,"Morale","1, Low | 2, Medium | 3, High",\n')
    d = write(tmp_path, "proj_dictionary.csv", dic)
    data = ("record_id,redcap_event_name,pmq1,pmq2,survey_complete\n"
            "1,baseline_arm_1,Less than 5,High,2\n1,followup_arm_1,5-10,2,2\n2,baseline_arm_1,,Low,0\n")
    p = write(tmp_path, "proj_data.csv", data)
    inst = instrument_from_dict({
        "id": "r", "version": "1", "title": {"id": "r", "en": "r"}, "provenance": "t", "licence": "t",
        "response_scales": {
            "sleep": {"options": [{"code": k, "label": {"id": f"s{k}", "en": f"s{k}"}} for k in (0, 1, 2)]},
            "morale": {"options": [{"code": k, "label": {"id": lab, "en": lab}} for k, lab in
                                   ((1, "Low"), (2, "Medium"), (3, "High"))]}},
        "items": [{"id": "sleep", "text": {"id": "Hours of sleep", "en": "Hours of sleep"},
                   "response_scale": "sleep", "aliases": ["pmq1"]},
                  {"id": "morale", "text": {"id": "m", "en": "m"}, "response_scale": "morale",
                   "aliases": ["pmq2"]}],
    })
    res = read_responses(p, inst)  # dictionary found next to the data
    assert res.format == "redcap" and res.id_column == "record_id"
    np.testing.assert_array_equal(res.data["sleep"].to_numpy(), [0.0, 1.0, np.nan])
    assert list(res.data["morale"]) == [3.0, 2.0, 1.0]
    assert res.value_labels["pmq1"] == {0.0: "Less than 5", 1.0: "5-10", 2.0: "More than 10"}
    bad = write(tmp_path, "other.csv", data + "1,baseline_arm_1,5-10,Low,2\n")
    with pytest.raises(InputError, match=r"^other\.csv, row 4, column 'record_id', value 1: 1 respondent id\(s\) "
                                         r"occur more than once: \(1, 'baseline_arm_1'\) \(rows 1, 4\)"):
        read_responses(bad, inst, dictionary=d)
    with pytest.raises(InputError, match=r"^proj_data\.csv, column 'record_id': not a REDCap data dictionary"):
        read_responses(p, inst, dictionary=p)


def test_qualtrics_choice_text_xlsx(tmp_path):
    rows = [["StartDate", "EndDate", "Duration (in seconds)", "ResponseId", "Q1_1", "Q1_2"],
            ["Start Date", "End Date", "Duration (in seconds)", "Response ID",
             "Rate - I feel energetic", "Rate - I am proud"],
            ['{"ImportId":"startDate"}', '{"ImportId":"endDate"}', '{"ImportId":"duration"}',
             '{"ImportId":"_recordId"}', '{"ImportId":"QID1_1"}', '{"ImportId":"QID1_2"}'],
            ["2024-01-01 10:00:00", "2024-01-01 10:02:00", 120, "R_a", "Agree", "Strongly agree"],
            ["2024-01-01 11:00:00", "2024-01-01 11:01:00", 60, "R_b", "Disagree", None]]
    p = tmp_path / "qx.xlsx"
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(p, index=False)
    res = read_responses(p, instrument(aliases={"q1": ["QID1_1"], "q2": ["Rate - I am proud"]}))
    assert res.format == "qualtrics" and res.n_rows == 2 and res.id_column == "ResponseId"
    np.testing.assert_array_equal(res.data["q1"].to_numpy(), [4.0, 2.0])
    np.testing.assert_array_equal(res.data["q2"].to_numpy(), [5.0, np.nan])
    assert list(res.data["duration_seconds"]) == [120.0, 60.0]


def test_stata_extended_missing(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    p = tmp_path / "s.dta"
    df = pd.DataFrame({"pid": [1.0, 2.0, 3.0], "q1": [4.0, 2.0, 5.0], "q2": [1.0, 3.0, 3.0]})
    pyreadstat.write_dta(df, str(p), variable_value_labels={"q1": {4.0: "Agree", 2.0: "Disagree"}})
    res = read_responses(p, instrument(), id_column="pid")
    assert res.format == "stata" and res.id_column == "pid"
    assert list(res.data["q1"]) == [4.0, 2.0, 5.0]
    assert res.value_labels["q1"] == {4.0: "Agree", 2.0: "Disagree"} or res.value_labels["q1"] == {4: "Agree", 2: "Disagree"}


def test_excel_export_of_plain_table(tmp_path):
    p = tmp_path / "plain.xlsx"
    pd.DataFrame({"respondent_id": ["a", "b", "c"], "q1": [1, 5, None], "q2": ["Agree", "S", "sts"]}).to_excel(
        p, index=False)
    res = read_responses(p, instrument())
    assert res.format == "excel" and res.id_column == "respondent_id"
    np.testing.assert_array_equal(res.data["q1"].to_numpy(), [1.0, 5.0, np.nan])
    assert list(res.data["q2"]) == [4.0, 4.0, 1.0]


def test_format_override_reads_platform(tmp_path):
    p = write(tmp_path, "k.csv", "g/q1,g/q2\nagree,Neutral\n")
    res = read_responses(p, format="kobo")
    assert res.format == "kobo" and res.n_rows == 1
    q = write(tmp_path, "q.csv", 'ResponseId,Q1\nResponse ID,How?\n"{""ImportId"":""x""}",'
                                 '"{""ImportId"":""QID1""}"\nR_1,1\n')
    with pytest.raises(InputError, match=r"^q\.csv: format='kobo' does not match the content: it is a qualtrics"):
        read_responses(q, format="kobo")
    assert read_responses(q, format="qualtrics").n_rows == 1
