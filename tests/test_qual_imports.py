"""Reading coded data: Taguette (real exports made by Taguette's own code), QualCoder, plain CSV, matrices."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engagesurvey.errors import EngageSurveyError, InputError
from engagesurvey.qual.imports import detect_format, read_coded

DATA = Path(__file__).parent / "reference" / "data"
TAGUETTE_CSV = DATA / "qual_taguette_highlights.csv"
TAGUETTE_XLSX = DATA / "qual_taguette_highlights.xlsx"


@pytest.mark.parametrize("path", [TAGUETTE_CSV, TAGUETTE_XLSX])
def test_taguette_export(path):
    res = read_coded(path, codebook="cid_themes", coder="ana")
    assert res.format == "taguette"
    d = res.data
    assert list(d["unit"]) == ["R001", "R001", "R002", "R003", "R003"]
    assert list(d["theme"]) == ["action_planning", "barriers_time", "administrative_only", "feedback",
                                "ownership"]
    assert set(d["coder"]) == {"ana"}
    assert d["excerpt"].iloc[2] == "Dialog kinerja hanya formalitas untuk mengisi SKP."
    assert list(d["source_row"]) == [2, 3, 4, 5, 6]
    assert res.units == ["R001", "R002", "R003"]
    assert len(res.problems) == 0


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::Warning:taguette.*")
def test_taguette_fresh_export(tmp_path):
    """Rebuild the export with Taguette's own code when it is installed (the format has not drifted)."""
    if importlib.util.find_spec("taguette") is None:
        pytest.skip("taguette is not installed")
    sys.path.insert(0, str(DATA.parent))
    try:
        import qual_taguette
    finally:
        sys.path.pop(0)
    csv_path, xlsx_path = qual_taguette.build(tmp_path)
    for p in (csv_path, xlsx_path):
        fresh = read_coded(p, codebook="cid_themes").data
        stored = read_coded(TAGUETTE_CSV, codebook="cid_themes").data
        pd.testing.assert_frame_equal(fresh.drop(columns="coder"), stored.drop(columns="coder"))


def test_coder_defaults_to_file_stem():
    res = read_coded(TAGUETTE_CSV)
    assert set(res.data["coder"]) == {"qual_taguette_highlights"}
    assert res.data["theme"].iloc[1] == "barriers.time_pressure"  # no codebook: code as written


def _qualcoder(path, by_case=False, memo=True):
    head = ["Case", "Filename"] if by_case else ["File"]
    head += ["Coder", "Coded", "Id", "Codename"] + (["Coded_Memo"] if memo else []) + ["Category", "Category"]
    rows = [
        ["R010", "Coder A", "Kami menyusun rencana aksi bersama.", "ctid:1", "action_planning", "", "cid", ""],
        ["R011", "Coder A", "Hanya formalitas.", "ctid:2", "Administrative-only dialogue", "", "cid", ""],
        ["R011", "Coder B", "Tidak ada waktu.", "ctid:3", "Time pressure", "memo", "barriers", "cid"],
    ]
    if not memo:
        rows = [r[:5] + r[6:] for r in rows]
    if by_case:
        rows = [[r[0], r[0] + ".txt", *r[1:]] for r in rows]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=",", quotechar='"', quoting=csv.QUOTE_ALL)
        w.writerow(head)
        w.writerows(rows)
    return path


@pytest.mark.parametrize("by_case,memo", [(False, True), (True, True), (False, False)])
def test_qualcoder_export(tmp_path, by_case, memo):
    p = _qualcoder(tmp_path / "report.csv", by_case, memo)
    res = read_coded(p, codebook="cid_themes")
    assert res.format == "qualcoder"
    assert list(res.data["unit"]) == ["R010", "R011", "R011"]
    assert list(res.data["coder"]) == ["Coder A", "Coder A", "Coder B"]
    assert list(res.data["theme"]) == ["action_planning", "administrative_only", "barriers_time"]


def _plain(tmp_path, rows):
    p = tmp_path / "coded.csv"
    pd.DataFrame(rows, columns=["respondent_id", "code", "excerpt", "coder"]).to_csv(p, index=False)
    return p


def test_plain_and_errors(tmp_path):
    rows = [["R1", "feedback", "umpan balik rutin", "A"],
            ["R2", "feedbak", "masukan", "A"],
            ["R9", "reflection", "saya merenung", "A"],
            ["R3", "reflection", "", "B"]]
    p = _plain(tmp_path, rows)
    assert detect_format(pd.read_csv(p)) == "plain"
    with pytest.raises(InputError, match=r"row 3, column 'code', value 'feedbak': code not in codebook"):
        read_coded(p, codebook="cid_themes")
    with pytest.raises(InputError, match=r"row 4, column 'respondent_id', value 'R9': id matches no respondent"):
        read_coded(p, known_ids=["R1", "R2", "R3"])
    with pytest.raises(InputError, match=r"row 5, column 'excerpt', value '': empty excerpt"):
        read_coded(p, known_ids=["R1", "R2", "R3", "R9"])
    res = read_coded(p, codebook="cid_themes", known_ids=["R1", "R2", "R3"], on_unknown="report")
    assert list(res.data["unit"]) == ["R1"]
    probs = res.problems
    assert list(probs["row"]) == [3, 4, 5]
    assert set(probs["problem"]) == {"code not in codebook 'cid_themes'", "id matches no respondent",
                                     "empty excerpt"}
    assert "R9" not in res.units
    assert "problems" in res.summary()


def test_taguette_untagged_highlight(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,document,tag,content\n1,R1,feedback,umpan balik\n2,R2,,teks tanpa tag\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3, column 'tag', value '': highlight has no tag"):
        read_coded(p)


def test_id_pattern(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,document,tag,content\n1,R001 wawancara,feedback,umpan balik\n2,catatan,feedback,x\n",
                 encoding="utf-8")
    with pytest.raises(InputError, match="no id matching pattern"):
        read_coded(p, id_pattern=r"R\d+")
    res = read_coded(p, id_pattern=r"R\d+", on_unknown="report")
    assert list(res.data["unit"]) == ["R001"]
    assert len(res.problems) == 1


def test_matrix(tmp_path):
    p = tmp_path / "matrix.csv"
    pd.DataFrame({"Document": ["R1", "R2", "R3", "Totals"], "Umpan balik": [2, 0, 1, 3],
                  "reflection": [0, 1, "", 1], "Totals": [2, 1, 1, 4]}).to_csv(p, index=False)
    res = read_coded(p, codebook="cid_themes", coder="nvivo")
    assert res.format == "matrix"
    d = res.data
    assert list(zip(d["unit"], d["theme"], d["count"])) == [("R1", "feedback", 2.0), ("R2", "reflection", 1.0),
                                                             ("R3", "feedback", 1.0)]
    assert res.units == ["R1", "R2", "R3"]
    assert any("Totals" in n for n in res.notes)
    t = tmp_path / "t.csv"
    pd.DataFrame({"Code": ["feedback", "reflection"], "R1": [1, 0], "R2": [0, 1]}).to_csv(t, index=False)
    tr = read_coded(t, format="matrix", transpose=True, codebook="cid_themes")
    assert list(zip(tr.data["unit"], tr.data["theme"])) == [("R1", "feedback"), ("R2", "reflection")]


def test_matrix_errors(tmp_path):
    p = tmp_path / "m.csv"
    pd.DataFrame({"Document": ["R1", "R2"], "feedback": [1, "ya"], "kopi": [0, 0]}).to_csv(p, index=False)
    with pytest.raises(InputError, match=r"row 1, column 'kopi', value 'kopi': code not in codebook"):
        read_coded(p, codebook="cid_themes")
    with pytest.raises(InputError, match=r"row 3, column 'feedback', value 'ya': not a count"):
        read_coded(p)
    res = read_coded(p, codebook="cid_themes", on_unknown="report")
    assert len(res.problems) == 2 and list(res.data["unit"]) == ["R1"]


def test_options_and_multiple_files(tmp_path):
    with pytest.raises(EngageSurveyError, match="on_unknown must be"):
        read_coded(TAGUETTE_CSV, on_unknown="skip")
    with pytest.raises(EngageSurveyError, match="format must be one of"):
        read_coded(TAGUETTE_CSV, format="nvivo")
    with pytest.raises(InputError, match="file not found"):
        read_coded(tmp_path / "nope.csv")
    both = read_coded([TAGUETTE_CSV, TAGUETTE_XLSX], codebook="cid_themes")
    assert len(both.data) == 10 and both.data["coder"].nunique() == 1  # same stem
    assert np.all(both.data["count"] == 1)
