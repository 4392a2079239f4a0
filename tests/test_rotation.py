"""engagesurvey._rotation against GPArotation / stats::varimax / psych's promax (factor.json "rotation")."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_reference

from engagesurvey import _rotation

ROT = load_reference("factor")["rotation"]
A = np.array(ROT["input"], dtype=float)
K = A.shape[1]


def _m(key):
    return np.array(ROT[key], dtype=float)


@pytest.mark.parametrize("method,key", [("oblimin", "oblimin"), ("quartimin", "quartimin"), ("geomin", "geomin"),
                                        ("promax", "promax")])
def test_oblique_rotations_match_r(method, key):
    L, phi = _rotation.rotate(A, method)
    np.testing.assert_allclose(L, _m(key), atol=1e-6)
    np.testing.assert_allclose(phi, _m(f"{key}_phi"), atol=1e-6)
    # the model is unchanged by a rotation: L Phi L' = A A'
    np.testing.assert_allclose(L @ phi @ L.T, A @ A.T, atol=1e-10)


def test_oblimin_gamma_matches_r():
    L, phi = _rotation.rotate(A, "oblimin", gamma=0.5)
    np.testing.assert_allclose(L, _m("oblimin_gam05"), atol=1e-6)
    np.testing.assert_allclose(phi, _m("oblimin_gam05_phi"), atol=1e-6)


@pytest.mark.parametrize("method", ["varimax", "quartimax"])
def test_orthogonal_rotations_match_r(method):
    L, phi = _rotation.rotate(A, method)
    assert phi is None
    np.testing.assert_allclose(L, _m(method), atol=1e-6)
    np.testing.assert_allclose(L @ L.T, A @ A.T, atol=1e-10)


def test_varimax_rotation_matrix_is_orthogonal_and_matches_r():
    L, T = _rotation.varimax(A)
    np.testing.assert_allclose(T, _m("varimax_rotmat"), atol=1e-6)
    np.testing.assert_allclose(T.T @ T, np.eye(K), atol=1e-12)
    np.testing.assert_allclose(A @ T, L, atol=1e-12)


def test_gradient_projection_converges_and_lowers_the_criterion():
    crit = lambda L: _rotation.vgq_oblimin(L)[0]
    L, phi, T, ok = _rotation.gpf_oblq(A, _rotation.vgq_oblimin)
    assert ok
    np.testing.assert_allclose(np.diag(T.T @ T), 1.0, atol=1e-12)
    np.testing.assert_allclose(phi, T.T @ T)
    assert crit(L) < crit(A)
    L2, T2, ok2 = _rotation.gpf_orth(A, _rotation.vgq_quartimax)
    assert ok2
    np.testing.assert_allclose(T2.T @ T2, np.eye(K), atol=1e-10)
    assert _rotation.vgq_quartimax(L2)[0] < _rotation.vgq_quartimax(A)[0]


def test_criterion_gradients_are_derivatives():
    rng = np.random.default_rng(1)
    L = rng.normal(size=(8, 3))
    E = rng.normal(size=L.shape) * 1e-6
    for vgq in (_rotation.vgq_oblimin, _rotation.vgq_geomin, _rotation.vgq_quartimax,
                lambda x: _rotation.vgq_oblimin(x, 0.5)):
        f0, G = vgq(L)
        f1, _ = vgq(L + E)
        assert f1 - f0 == pytest.approx(np.sum(G * E), rel=1e-4)


def test_non_convergence_warns():
    with pytest.warns(UserWarning, match="convergence not obtained"):
        _rotation.gpf_oblq(A, _rotation.vgq_geomin, maxit=2)


def test_single_factor_and_none_are_unrotated():
    L, phi = _rotation.rotate(A[:, :1], "oblimin")
    np.testing.assert_array_equal(L, A[:, :1])
    assert phi is None
    L, phi = _rotation.rotate(A, None)
    np.testing.assert_array_equal(L, A)
