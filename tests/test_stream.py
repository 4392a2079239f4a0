"""Streaming scoring (engagesurvey.stream): equal to psych (tests/reference/stream.R) and to the in-memory
path, whatever the chunk size; errors name file, absolute row, column and value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, load_reference

import engagesurvey as es
from engagesurvey.errors import EngageSurveyError, InputError
from engagesurvey.instrument import Instrument
from engagesurvey.moments import Moments
from engagesurvey.simulate import simulate
from engagesurvey.stream import StreamResult, score_stream


@pytest.fixture(scope="module")
def ref():
    return load_reference("stream")


@pytest.fixture(scope="module")
def bfi_inst(ref):
    return Instrument.from_keys(ref["keys"], min=1, max=6, id="bfi")


@pytest.fixture(scope="module")
def survey_csv(tmp_path_factory):
    """A labelled simulated export (answer labels as text, reverse-keyed items, 3 agencies)."""
    path = tmp_path_factory.mktemp("stream") / "survey.csv"
    simulate(n_agencies=3, n_units=9, n_employees=300, seed=7).write(path)
    return path


def _arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _close(got: pd.DataFrame, expected, tol):
    np.testing.assert_allclose(got.to_numpy(), np.array(expected, dtype=float), rtol=0, atol=tol)


@pytest.mark.parametrize("out_name", ["scores.csv", "scores.parquet"])
def test_bfi_streamed_in_odd_chunks_equals_psych(tmp_path, ref, bfi_inst, out_name):
    out = tmp_path / out_name
    res = score_stream(REFERENCE / "data" / "bfi.csv", bfi_inst, out, chunk_rows=97, group="gender",
                       id_column="id")
    assert isinstance(res, StreamResult) and res.n_chunks == int(np.ceil(2800 / 97))
    got = pd.read_csv(out) if out.suffix == ".csv" else pd.read_parquet(out)
    assert got["row"].tolist() == list(range(1, 2801))
    for scale, expected in ref["scores"].items():
        exp = _arr(expected)
        np.testing.assert_array_equal(np.isnan(got[scale]), np.isnan(exp))
        np.testing.assert_allclose(got[scale].to_numpy()[~np.isnan(exp)], exp[~np.isnan(exp)], rtol=0, atol=1e-9)
    m = res.moments
    assert m.columns == ref["items"] and m.n == ref["moments"]["n"]
    _close(m.cov, ref["moments"]["cov"], 1e-10)
    _close(m.means, ref["moments"]["means"], 1e-10)
    _close(m.pairwise_cov, ref["moments"]["pairwise_cov"], 1e-10)
    np.testing.assert_array_equal(m.pairwise_n.to_numpy(), np.array(ref["moments"]["pairwise_n"]))
    assert sorted(m.groups) == ["1", "2"]  # CSV cells are read as text
    for key, g in ref["groups"].items():
        assert m.groups[key].n == g["n"]
        _close(m.groups[key].cov, g["cov"], 1e-10)
        _close(m.groups[key].pairwise_cov, g["pairwise_cov"], 1e-10)


def test_streamed_equals_in_memory_on_a_labelled_export(tmp_path, survey_csv):
    inst = es.load_instrument("cid")
    responses = es.read_responses(survey_csv, inst)
    memory = es.score(responses, inst, careless=False)
    out = tmp_path / "cid.csv"
    res = score_stream(survey_csv, inst, out, chunk_rows=23, group="agency")  # 23 splits every agency
    got = pd.read_csv(out).set_index("row")
    cols = list(memory.scores.columns)
    np.testing.assert_array_equal(got[cols].to_numpy(), memory.scores.to_numpy())  # identical, NaN included
    assert got["respondent_id"].tolist() == responses.data["respondent_id"].tolist()
    rec = pd.read_csv(tmp_path / "cid.reconciliation.csv", keep_default_na=False).set_index("row")
    for c in ("status", "reason"):
        assert rec[c].tolist() == memory.reconciliation[c].tolist()
    np.testing.assert_array_equal(rec["n_items_answered"], memory.reconciliation["n_items_answered"])
    log = pd.read_csv(tmp_path / "cid.log.csv")
    assert len(log) == len(memory.log) > 0
    pd.testing.assert_frame_equal(log, memory.log, check_dtype=False)
    assert res.reconciliation == memory.counts()
    c = res.reconciliation
    assert c["read"] == c["scored"] + c["partial"] + c["excluded"] == 300
    # moments of the recoded, reverse-keyed scored items (complete rows), overall and per agency
    items = res.moments.columns
    assert items == list(inst.items)
    ref = Moments.from_frame(memory.items[items].assign(agency=responses.data["agency"]), group="agency",
                             columns=items)
    assert res.moments.n == ref.n
    np.testing.assert_allclose(res.moments.cov, ref.cov, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.moments.pairwise_cov, ref.pairwise_cov, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(res.moments.pairwise_n, ref.pairwise_n)
    assert set(res.moments.groups) == set(ref.groups)
    for k, g in ref.groups.items():
        np.testing.assert_allclose(res.moments.groups[k].cov, g.cov, rtol=0, atol=1e-10)
    assert "rows read 300" in res.summary()


def test_parquet_input_output_and_chunk_size_do_not_change_results(tmp_path, bfi_inst):
    bfi = pd.read_csv(REFERENCE / "data" / "bfi.csv")
    src = tmp_path / "bfi.parquet"
    bfi.to_parquet(src, row_group_size=500)
    a = score_stream(src, bfi_inst, tmp_path / "a.parquet", chunk_rows=2800, group="gender")
    b = score_stream(src, bfi_inst, tmp_path / "b.parquet", chunk_rows=333, group="gender")
    pa_, pb = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(pa_, pb)
    assert sorted(b.moments.groups) == [1, 2]  # Parquet keeps the integer type
    np.testing.assert_allclose(a.moments.cov, b.moments.cov, rtol=0, atol=1e-12)
    rec = pd.read_parquet(tmp_path / "b.reconciliation.parquet")
    assert list(rec.columns) == ["row", "status", "reason", "n_items_answered", "n_scales_scored"]
    assert len(rec) == 2800


def test_formula_injection_is_neutralised_in_csv_text(tmp_path, bfi_inst):
    bfi = pd.read_csv(REFERENCE / "data" / "bfi.csv").head(10)
    bfi["id"] = bfi["id"].astype(str)
    bfi.loc[3, "id"] = "=HYPERLINK(\"http://x\")"
    bfi.loc[4, "id"] = "-5"
    src = tmp_path / "in.csv"
    bfi.to_csv(src, index=False)
    score_stream(src, bfi_inst, tmp_path / "o.csv", chunk_rows=4, id_column="id")
    got = pd.read_csv(tmp_path / "o.csv", dtype=str)
    assert got["id"].iloc[3] == "'=HYPERLINK(\"http://x\")"
    assert got["id"].iloc[4] == "'-5"  # text cell (the id is text), so neutralised
    assert got["id"].iloc[0] == bfi["id"].iloc[0]


def test_unknown_label_names_file_absolute_row_column_value(tmp_path, survey_csv):
    data = pd.read_csv(survey_csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    data.loc[57, "cid_rq1"] = "Setuju banget"  # data row 58, in the third chunk of 25
    bad = tmp_path / "bad.csv"
    data.to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"bad\.csv, row 58, column 'cid_rq1', value 'Setuju banget'"):
        score_stream(bad, "cid", tmp_path / "o.csv", chunk_rows=25)
    assert not list(tmp_path.glob("o*"))  # nothing half-written is left behind


def test_out_of_range_code_in_parquet(tmp_path, bfi_inst):
    bfi = pd.read_csv(REFERENCE / "data" / "bfi.csv").head(300)
    bfi.loc[250, "C3"] = 9
    src = tmp_path / "x.parquet"
    bfi.to_parquet(src)
    with pytest.raises(InputError, match=r"x\.parquet, row 251, column 'C3', value 9"):
        score_stream(src, bfi_inst, tmp_path / "o.parquet", chunk_rows=100)


def test_duplicate_id_across_chunks(tmp_path, bfi_inst):
    bfi = pd.read_csv(REFERENCE / "data" / "bfi.csv").head(200)
    bfi.loc[150, "id"] = bfi.loc[10, "id"]
    src = tmp_path / "d.csv"
    bfi.to_csv(src, index=False)
    with pytest.raises(InputError, match=r"row 151, column 'id', value '\d+'.*more than once.*rows 11, 151"):
        score_stream(src, bfi_inst, tmp_path / "o.csv", chunk_rows=64, id_column="id")


def test_user_mistakes(tmp_path, bfi_inst):
    src = REFERENCE / "data" / "bfi.csv"
    with pytest.raises(EngageSurveyError, match="out_path must end in .csv or .parquet"):
        score_stream(src, bfi_inst, tmp_path / "o.xlsx")
    with pytest.raises(EngageSurveyError, match="chunk_rows must be a positive integer"):
        score_stream(src, bfi_inst, tmp_path / "o.csv", chunk_rows=0)
    with pytest.raises(InputError, match="column 'sex': group column not found"):
        score_stream(src, bfi_inst, tmp_path / "o.csv", group="sex")
    with pytest.raises(InputError, match=r"not found.*'missing_item'"):
        score_stream(src, Instrument.from_keys({"x": ["A1", "missing_item"]}, min=1, max=6),
                     tmp_path / "o.csv")
    with pytest.raises(InputError, match="file not found"):
        score_stream(tmp_path / "nope.csv", bfi_inst, tmp_path / "o.csv")


def test_score_large_writes_the_cli_outputs(tmp_path, bfi_inst):
    from engagesurvey.stream import score_large

    res = score_large(REFERENCE / "data" / "bfi.csv", bfi_inst, tmp_path / "out", out_format="parquet",
                      chunk_rows=1000)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "scores.log.csv", "scores.parquet", "scores.read_log.csv", "scores.reconciliation.parquet"]
    assert res.reconciliation["read"] == 2800
    with pytest.raises(EngageSurveyError, match="out_format must be"):
        score_large(REFERENCE / "data" / "bfi.csv", bfi_inst, tmp_path / "o2", out_format="xlsx")
