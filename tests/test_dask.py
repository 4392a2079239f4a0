"""Distributed scoring on a local Dask cluster (engagesurvey.dask_backend): equal to psych
(tests/reference/stream.R) and to the single-machine streaming path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from conftest import REFERENCE, load_reference
from distributed import Client, LocalCluster

from engagesurvey.dask_backend import score_dask
from engagesurvey.errors import InputError
from engagesurvey.instrument import Instrument
from engagesurvey.stream import score_stream


@pytest.fixture(scope="module")
def client():
    # threads in one process: starts in well under a second and behaves the same on every CI runner
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def ref():
    return load_reference("stream")


@pytest.fixture(scope="module")
def inst(ref):
    return Instrument.from_keys(ref["keys"], min=1, max=6, id="bfi")


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """bfi as four Parquet files, as a survey exported per region onto shared storage."""
    folder = tmp_path_factory.mktemp("share")
    bfi = pd.read_csv(REFERENCE / "data" / "bfi.csv")
    for k, start in enumerate(range(0, 2800, 700)):
        bfi.iloc[start:start + 700].to_parquet(folder / f"region{k}.parquet", index=False)
    return folder, bfi


def test_cluster_result_equals_psych_and_single_machine(client, ref, inst, shards, tmp_path):
    folder, bfi = shards
    res = score_dask(str(folder / "*.parquet"), inst, tmp_path / "out.parquet", group="gender", scheduler=client)
    m = res.moments
    assert m.n == ref["moments"]["n"]
    np.testing.assert_allclose(m.cov.to_numpy(), np.array(ref["moments"]["cov"]), rtol=0, atol=1e-10)
    np.testing.assert_allclose(m.pairwise_cov.to_numpy(), np.array(ref["moments"]["pairwise_cov"]), rtol=0,
                               atol=1e-10)
    for key, g in ref["groups"].items():
        np.testing.assert_allclose(m.groups[int(key)].cov.to_numpy(), np.array(g["cov"]), rtol=0, atol=1e-10)
    got = pd.read_parquet(tmp_path / "out.parquet").sort_values("row").reset_index(drop=True)
    assert got["row"].tolist() == list(range(1, 2801))
    for scale, expected in ref["scores"].items():
        exp = np.array([np.nan if v is None else v for v in expected], dtype=float)
        np.testing.assert_allclose(got[scale].to_numpy(), exp, rtol=0, atol=1e-9)
    # the single-machine streaming result on the same rows
    src = tmp_path / "all.parquet"
    bfi.to_parquet(src, index=False)
    single = score_stream(src, inst, tmp_path / "single.parquet", chunk_rows=999, group="gender")
    assert res.reconciliation == single.reconciliation
    pd.testing.assert_frame_equal(got, pd.read_parquet(tmp_path / "single.parquet"))
    np.testing.assert_allclose(m.cov, single.moments.cov, rtol=0, atol=1e-12)
    rec = pd.read_parquet(tmp_path / "out.reconciliation.parquet")
    assert len(rec) == 2800 and set(rec["status"]) <= {"scored", "partial", "excluded"}


def test_scheduler_address_and_gathered_scores(client, inst, shards):
    folder, _ = shards
    res = score_dask(str(folder), inst, None, scheduler=client.scheduler.address)
    assert res.reconciliation["read"] == 2800 and res.extra["partitions"] >= 1
    scores = res.extra["scores"].sort_values("row")
    assert len(scores) == 2800 and list(scores.columns[:1]) == ["row"]


def test_error_in_a_worker_names_the_absolute_row(client, inst, shards, tmp_path):
    _, bfi = shards
    bad = bfi.copy()
    bad.loc[2100, "E4"] = 8  # row 2101: fourth file
    for k, start in enumerate(range(0, 2800, 700)):
        bad.iloc[start:start + 700].to_parquet(tmp_path / f"r{k}.parquet", index=False)
    with pytest.raises(InputError, match=r"row 2101, column 'E4', value 8"):
        score_dask(str(tmp_path / "r*.parquet"), inst, scheduler=client)
