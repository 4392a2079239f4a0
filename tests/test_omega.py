"""engagesurvey.omega against psych::omega (tests/reference/omega.R -> omega.json)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.errors import EngageSurveyError
from engagesurvey.factor import _pairwise_cor
from engagesurvey.omega import omega

REF = load_reference("omega")
BFI25 = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]


def _arr(rows):
    return np.array([[np.nan if v in ("NA", None) else v for v in row] for row in rows], dtype=float)


@pytest.fixture(scope="module")
def items():
    return load_dataset("bfi")[BFI25]


@pytest.fixture(scope="module")
def hs():
    return load_dataset("HolzingerSwineford1939")[[f"x{i}" for i in range(1, 10)]]


def _case(name, items, hs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "bfi5":
            return omega(items, n_factors=5)
        if name == "c3":
            return omega(items[[f"C{i}" for i in range(1, 6)]])
        if name == "hs3":
            return omega(hs, n_factors=3)
        if name == "hs2":
            return omega(hs, n_factors=2)
        if name == "hs3_geomin":
            return omega(hs, n_factors=3, rotation="geomin")
        if name in ("hs3_ml", "hs3_pa"):
            return omega(hs, n_factors=3, fm=name[4:])
        if name == "hs3_promax":
            return omega(hs, n_factors=3, rotation="promax")
        R = pd.DataFrame(_pairwise_cor(items.to_numpy(float)), index=BFI25, columns=BFI25)
        return omega(cov=R, n_factors=5, n_obs=2800)


@pytest.mark.parametrize("name", ["bfi5", "c3", "hs3", "hs2", "hs3_geomin", "bfi5_cor", "hs3_ml", "hs3_pa",
                                  "hs3_promax"])
def test_omega_matches_psych(name, items, hs):
    ref = REF[name]
    res = _case(name, items, hs)
    assert res.omega_hierarchical == pytest.approx(ref["omega_h"], abs=1e-4)
    assert res.omega_total == pytest.approx(ref["omega_total"], abs=1e-4)
    assert res.alpha == pytest.approx(ref["alpha"], abs=1e-6)
    assert res.omega_limit == pytest.approx(ref["omega_lim"], abs=1e-4)
    assert res.ecv == pytest.approx(ref["ecv"], abs=1e-4)
    assert res.g6 == pytest.approx(ref["g6"], abs=1e-6)
    assert list(res.loadings.columns) == ref["sl_cols"]
    np.testing.assert_allclose(res.loadings.to_numpy(), _arr(ref["sl"]), atol=1e-4)
    assert list(res.group.index) == ref["group_rows"]
    assert list(res.group.columns) == ref["group_cols"]
    np.testing.assert_allclose(res.group.to_numpy(), _arr(ref["group"]), atol=1e-4)
    np.testing.assert_allclose(res.phi.to_numpy(), _arr(ref["phi"]), atol=1e-4)
    assert list(res.key) == ref["key"]
    # psych marks reversed items with "-" in its row names
    assert [f"{i}{'-' if k < 0 else ''}" for i, k in res.key.items()] == ref["sl_rows"]


def test_reverse_keying_changes_only_the_key(hs):
    base = omega(hs)
    rev = omega(hs, reverse=["x1", "x2"], scale=(0, 10))
    assert rev.omega_hierarchical == pytest.approx(base.omega_hierarchical, abs=1e-10)
    assert rev.omega_total == pytest.approx(base.omega_total, abs=1e-10)
    assert list(rev.key[["x1", "x2"]]) == [-1, -1]
    R = hs.corr()
    via_cov = omega(cov=R, reverse=["x3"])
    assert via_cov.omega_total == pytest.approx(base.omega_total, abs=1e-6)
    assert via_cov.key["x3"] == -1


def test_summary_and_frame(hs):
    res = omega(hs)
    assert "Omega Hierarchical" in res.summary() and "Omega group" in res.summary()
    assert list(res.to_frame().columns) == ["g", "F1*", "F2*", "F3*", "h2", "u2", "p2"]


def test_omega_error_paths(hs):
    with pytest.raises(EngageSurveyError, match="either items .* or cov"):
        omega()
    with pytest.raises(EngageSurveyError, match="either items .* or cov"):
        omega(hs, cov=hs.corr())
    with pytest.raises(EngageSurveyError, match="n_factors=9 is too many for 9 items"):
        omega(hs, n_factors=9)
    with pytest.raises(EngageSurveyError, match="rotation must be one of"):
        omega(hs, rotation="varimax")
    # psych 2.2.9's omega(rotate = "quartimin") fails, so there is no reference for it: not offered
    with pytest.raises(EngageSurveyError, match="rotation must be one of oblimin, geomin, geominQ, promax, "
                                                "got 'quartimin'"):
        omega(hs, rotation="quartimin")
    with pytest.raises(EngageSurveyError, match="cov must be a square DataFrame"):
        omega(cov=hs)
    with pytest.raises(EngageSurveyError, match="reverse names items that are not columns: zz"):
        omega(hs, reverse=["zz"])
    with pytest.raises(EngageSurveyError, match="at least 3 items"):
        omega(hs[["x1", "x2"]], n_factors=1)
    with pytest.raises(EngageSurveyError, match="no variance"):
        omega(hs.assign(x9=2.0))
    with pytest.warns(UserWarning, match="not identified"):
        omega(hs[["x1", "x2", "x3", "x4", "x5"]], n_factors=3)
