"""Round trips: export the form, simulate the platform's response export from that form, read it back
with ``read_responses(path, instrument)`` and no mapping, and get the codes that were written."""

from __future__ import annotations

import numpy as np
import pytest
from test_deploy_helpers import (
    kobo_csv,
    limesurvey_csv,
    odd_yaml,
    qualtrics_csv,
    simulate,
)

from engagesurvey.deploy import export_instrument
from engagesurvey.deploy._plan import plan
from engagesurvey.deploy.limesurvey import code_mapping
from engagesurvey.instrument import combine_instruments, load_instrument

read_responses = pytest.importorskip("engagesurvey.io").read_responses

ALL = ["cid", "climate", "feedback", "learning", "perf", "rating", "support", "we"]


@pytest.fixture(scope="module")
def everything():
    return combine_instruments(ALL)


def _assert_codes(resp, values):
    assert resp.n_rows == len(next(iter(values.values())))
    for iid, expected in values.items():
        got = resp.data[iid].to_numpy(dtype=float)
        np.testing.assert_array_equal(got, expected, err_msg=iid)
    assert not len(resp.log) or not resp.log["event"].isin(["unknown", "out_of_range"]).any()


def test_kobo_csv_with_group_paths(everything, tmp_path):
    form = export_instrument(everything, "xlsform", tmp_path / "form.xlsx")
    values = simulate(everything)
    cols = kobo_csv(form, values, tmp_path / "kobo.csv")
    assert cols["cid_ex1"] == "group_cid/cid_ex1" and cols["lm_work"] == "group_learning_mix/lm_work"
    resp = read_responses(tmp_path / "kobo.csv", everything)
    assert resp.format == "kobo" and resp.id_column == "_uuid"
    _assert_codes(resp, values)


@pytest.mark.parametrize("numeric", [False, True], ids=["choice_text", "numeric_values"])
def test_qualtrics_three_header_rows(everything, tmp_path, numeric):
    form = export_instrument(everything, "qualtrics", tmp_path / "form.qsf")
    values = simulate(everything, seed=2)
    cols = qualtrics_csv(form, values, tmp_path / "qualtrics.csv", numeric=numeric)
    assert "cid_ex1" in cols and "perf_cw1" in cols
    resp = read_responses(tmp_path / "qualtrics.csv", everything)
    assert resp.format == "qualtrics" and resp.id_column == "ResponseId"
    _assert_codes(resp, values)


def test_qualtrics_choice_text_in_english(tmp_path):
    inst = load_instrument("support")
    form = export_instrument(inst, "qualtrics", tmp_path / "form.qsf", lang="en")
    values = simulate(inst, seed=5)
    qualtrics_csv(form, values, tmp_path / "q.csv")
    _assert_codes(read_responses(tmp_path / "q.csv", inst), values)


def test_limesurvey_code_headings(everything, tmp_path):
    form = export_instrument(everything, "limesurvey", tmp_path / "form.txt")
    values = simulate(everything, seed=3)
    order = [it.id for b in plan(everything) for it in b.items]
    cols = limesurvey_csv(form, order, values, tmp_path / "limesurvey.csv")
    assert "cid[ex1]" in cols and "lm[work]" in cols and "PREDIKAT" in cols
    resp = read_responses(tmp_path / "limesurvey.csv", everything)
    assert resp.format == "limesurvey" and resp.id_column == "id"
    _assert_codes(resp, values)


def test_limesurvey_recorded_mapping_reads_odd_ids(tmp_path):
    inst = load_instrument(odd_yaml(tmp_path))
    with pytest.warns(UserWarning):
        form = export_instrument(inst, "limesurvey", tmp_path / "odd.txt")
    values = simulate(inst, seed=4)
    order = [it.id for b in plan(inst) for it in b.items]
    limesurvey_csv(form, order, values, tmp_path / "odd.csv")
    resp = read_responses(tmp_path / "odd.csv", inst, mapping=code_mapping(inst))
    _assert_codes(resp, values)
