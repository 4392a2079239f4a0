"""engagesurvey.models.mediation against R (tests/reference/models_mediation.R)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.models import _bootstrap as bt
from engagesurvey.models.mediation import mediation


@pytest.fixture(scope="module")
def ref():
    return load_reference("models_mediation")


@pytest.fixture(scope="module")
def d():
    return load_dataset("models_bfi_scales")


def r_indices(B: int, m: int) -> np.ndarray:
    """The deterministic resamples of models_mediation.R (0-based row index per draw and slot)."""
    k = np.arange(B, dtype=np.int64)[:, None] * m + np.arange(m, dtype=np.int64)[None, :]
    h1 = (k * 48271 + 12345) % 94906249
    h2 = (h1 * h1) % 94906249
    return (h2 + h1) % m


def counts_of(idx: np.ndarray, units: int) -> np.ndarray:
    return np.stack([np.bincount(row, minlength=units) for row in idx]).astype(float)


@pytest.fixture
def replay(monkeypatch):
    """Make the bootstrap draw R's resamples instead of random ones."""

    def install(counts):
        state = {"pos": 0}

        def fake(rng, units, size):
            assert units == counts.shape[1]
            out = counts[state["pos"]:state["pos"] + size]
            state["pos"] += size
            return out

        monkeypatch.setattr(bt, "draw_counts", fake)

    return install


def test_simple_paths_match_lm(d, ref):
    r = mediation(d, "A", "C", "E", n_boot=200, seed=1)
    s = ref["simple"]
    assert r.n == ref["n"]
    for k in ("a", "b", "c", "c_prime", "indirect", "indirect_std"):
        assert getattr(r, k) == pytest.approx(s[k], abs=1e-10)
    t = r.table.set_index("path")
    for k in ("a", "b", "c", "c_prime"):
        assert t.loc[k, "se"] == pytest.approx(s[f"{k}_se"], abs=1e-10)
    assert t.loc["a", "pvalue"] == pytest.approx(s["a_p"], rel=1e-6)
    assert list(r.table.columns) == ["path", "est", "se", "ci_lower", "ci_upper", "pvalue"]


def test_covariates(d, ref):
    r = mediation(d, "A", "C", "E", covariates=["gender", "age"], n_boot=100, seed=1)
    s = ref["covariates"]
    assert r.n == s["n"]
    for k in ("a", "b", "c", "c_prime"):
        assert getattr(r, k) == pytest.approx(s[k], abs=1e-10)


def test_parallel_and_serial_point_estimates(d, ref):
    p = mediation(d, "A", ["C", "N"], "E", n_boot=100, seed=1)
    s = ref["parallel"]
    assert p.kind == "parallel"
    assert p.a["C"] == pytest.approx(s["a_C"], abs=1e-10)
    assert p.a["N"] == pytest.approx(s["a_N"], abs=1e-10)
    assert p.b["N"] == pytest.approx(s["b_N"], abs=1e-10)
    assert p.indirect["C"] == pytest.approx(s["ind_C"], abs=1e-10)
    assert p.indirect["N"] == pytest.approx(s["ind_N"], abs=1e-10)
    assert p.indirect["total"] == pytest.approx(s["ind_C"] + s["ind_N"], abs=1e-10)
    assert p.c == pytest.approx(p.c_prime + p.indirect["total"], abs=1e-10)
    assert set(p.indirect_ci) == {"C", "N", "total"}
    q = mediation(d, "A", ["C", "N"], "E", n_boot=100, seed=1, serial=True)
    s = ref["serial"]
    assert q.kind == "serial"
    assert q.d["C -> N"] == pytest.approx(s["d21"], abs=1e-10)
    assert q.indirect["C"] == pytest.approx(s["ind_1"], abs=1e-10)
    assert q.indirect["N"] == pytest.approx(s["ind_2"], abs=1e-10)
    assert q.indirect["C -> N"] == pytest.approx(s["ind_12"], abs=1e-10)
    assert q.indirect["total"] == pytest.approx(s["total"], abs=1e-10)


def test_bootstrap_arithmetic_replays_r(d, ref, replay):
    det = ref["det"]
    B = det["B"]
    replay(counts_of(r_indices(B, len(d)), len(d)))
    r = mediation(d, "A", "C", "E", n_boot=B, seed=0)
    np.testing.assert_allclose(r.draws["indirect"].to_numpy(), det["indirect"], atol=1e-10)
    assert r.indirect_se == pytest.approx(det["se"], abs=1e-10)
    np.testing.assert_allclose(r.indirect_ci, det["perc"], atol=1e-10)
    replay(counts_of(r_indices(B, len(d)), len(d)))
    r90 = mediation(d, "A", "C", "E", n_boot=B, seed=0, ci=0.90)
    np.testing.assert_allclose(r90.indirect_ci, det["perc90"], atol=1e-10)
    replay(counts_of(r_indices(B, len(d)), len(d)))
    rb = mediation(d, "A", "C", "E", n_boot=B, seed=0, ci_method="bca")
    np.testing.assert_allclose(rb.indirect_ci, det["bca"], atol=1e-10)


def test_serial_bootstrap_replays_r(d, ref, replay):
    det = ref["det_serial"]
    dp = d.dropna(subset=["A", "C", "N", "E"])
    replay(counts_of(r_indices(det["B"], len(dp)), len(dp)))
    r = mediation(dp, "A", ["C", "N"], "E", n_boot=det["B"], seed=0, serial=True)
    np.testing.assert_allclose(r.draws["indirect[C]"], det["ind_1"], atol=1e-10)
    np.testing.assert_allclose(r.draws["indirect[N]"], det["ind_2"], atol=1e-10)
    np.testing.assert_allclose(r.draws["indirect[C -> N]"], det["ind_12"], atol=1e-10)


def test_cluster_bootstrap_replays_r(d, ref, replay):
    det = ref["det_cluster"]
    G = det["G"]
    assert d["age"].nunique() == G
    replay(counts_of(r_indices(det["B"], G), G))
    r = mediation(d, "A", "C", "E", n_boot=det["B"], seed=0, cluster="age")
    assert r.n_clusters == G
    np.testing.assert_allclose(r.draws["indirect"], det["indirect"], atol=1e-10)


def test_bootstrap_within_monte_carlo_error_of_lavaan(d, ref):
    lav = ref["lavaan"]
    r = mediation(d, "A", "C", "E", n_boot=5000, seed=11)
    assert r.indirect == pytest.approx(lav["ind"], abs=1e-8)
    assert r.indirect_std == pytest.approx(lav["ind_std"], abs=1e-8)
    se = lav["ind_se"]
    # relative MC error of a bootstrap SD with B draws is about 1/sqrt(2B): 2000 + 5000 draws -> ~1.9%
    assert r.indirect_se == pytest.approx(se, rel=0.08)
    # MC SD of a 2.5% quantile with 2000 draws is about 0.06 SE; allow ~5 of those
    np.testing.assert_allclose(r.indirect_ci, lav["ind_ci"], atol=0.3 * se)


def test_montecarlo_ci_matches_semtools(d, ref):
    r = mediation(d, "A", "C", "E", n_boot=50000, seed=5, ci_method="montecarlo")
    mc = ref["montecarlo"]
    np.testing.assert_allclose(r.indirect_ci, mc["ci"], atol=0.1 * r.indirect_se)


def test_reproducible_and_seed_sensitive(d):
    r1 = mediation(d, "A", "C", "E", n_boot=300, seed=3)
    r2 = mediation(d, "A", "C", "E", n_boot=300, seed=3)
    r3 = mediation(d, "A", "C", "E", n_boot=300, seed=4)
    assert r1.indirect_ci == r2.indirect_ci
    assert r1.indirect_ci != r3.indirect_ci


def test_bootstrap_matches_a_loop_over_draws(d):
    """The batched least squares equals refitting each resample (the loop lives only in this test)."""
    rng = np.random.default_rng(8)
    idx = rng.integers(0, len(d), size=(5, len(d)))
    counts = counts_of(idx, len(d))
    Z = np.column_stack([np.ones(len(d)), d[["A", "C", "E"]].to_numpy()])
    M = bt.boot_moments(Z, 5, rng, counts=counts)
    a = bt.solve_eq(M, [0, 1], 2)[:, 1]
    b = bt.solve_eq(M, [0, 1, 2], 3)[:, 2]
    for i in range(5):
        z = Z[idx[i]]
        aa = np.linalg.lstsq(z[:, :2], z[:, 2], rcond=None)[0][1]
        bb = np.linalg.lstsq(z[:, :3], z[:, 3], rcond=None)[0][2]
        assert a[i] * b[i] == pytest.approx(aa * bb, abs=1e-12)


def test_summary_and_frame(d):
    r = mediation(d, "A", ["C", "N"], "E", n_boot=100, seed=1)
    assert "indirect[total]" in r.summary()
    assert r.to_frame().shape[0] == len(r.table)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(x="nope", m="C", y="E"), "unknown column: 'nope'"),
        (dict(x="A", m=[], y="E"), "at least one mediator"),
        (dict(x="A", m="C", y="C"), "two roles"),
        (dict(x="A", m="C", y="E", n_boot=1), "n_boot"),
        (dict(x="A", m="C", y="E", ci=95), "ci must be"),
        (dict(x="A", m="C", y="E", ci_method="normal"), "ci_method"),
        (dict(x="A", m="C", y="E", cluster="one"), "cluster column 'one' has 1"),
        (dict(x="A", m="C", y="E", serial=True), "serial mediation needs 2"),
        (dict(x="A", m="C", y="txt"), "column 'txt' is not numeric"),
        (dict(x="K", m="C", y="E"), "column 'K' is constant"),
    ],
)
def test_errors(d, kwargs, match):
    df = d.assign(one=1, txt=np.where(np.arange(len(d)) == 3, "x", "1"), K=2.0)
    with pytest.raises(EngageSurveyError, match=match):
        mediation(df, n_boot=kwargs.pop("n_boot", 50), **kwargs)


def test_too_few_rows(d):
    with pytest.raises(EngageSurveyError, match="too few complete rows"):
        mediation(d.head(4), "A", "C", "E", n_boot=10)


def test_not_a_frame():
    with pytest.raises(EngageSurveyError, match="DataFrame"):
        mediation([[1, 2, 3]], "A", "C", "E")
