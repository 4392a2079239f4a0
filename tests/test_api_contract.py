"""The public names promised in ../shared/API.md exist with the promised keywords."""

from __future__ import annotations

import inspect

import pytest

import engagesurvey as es

NAMES = {
    "list_instruments": [], "load_instrument": [], "read_responses": ["format", "id_column", "mapping"],
    "score": ["min_valid"], "cfa": ["estimator", "ordered", "group", "group_equal", "missing", "sample_cov",
                                   "sample_nobs"],
    "invariance": ["levels", "estimator"], "score_stream": ["chunk_rows"],
    "reliability.alpha": ["reverse", "scale", "missing", "ci", "ci_method", "n_boot", "seed"],
    "reliability.omega": ["n_factors", "reverse", "scale"], "reliability.polychoric": [],
    "reliability.ordinal_alpha": ["reverse"], "reliability.composite": [], "reliability.htmt": ["kind"],
    "factor.kmo": [], "factor.bartlett": [], "factor.parallel_analysis": ["n_iter", "seed"],
    "factor.efa": ["method", "rotation"],
    "models.mediation": ["covariates", "n_boot", "ci", "ci_method", "seed", "cluster"],
    "models.multilevel": ["reml"], "models.group_agreement": ["scale", "null_var"],
    "hypotheses.test": [], "power.mediation": ["n", "n_units", "per_unit", "icc", "method", "reps", "seed"],
    "power.solve": ["target"], "qual.agreement": ["unit", "coder", "code"],
    "qual.krippendorff_alpha": ["level"], "Moments.from_frame": ["group"],
    "Instrument.from_keys": ["min", "max", "id"],
}


@pytest.mark.parametrize("name,keywords", NAMES.items(), ids=list(NAMES))
def test_public_name_and_keywords(name, keywords):
    obj = es
    for part in name.split("."):
        obj = getattr(obj, part)
    assert callable(obj)
    params = inspect.signature(obj).parameters
    for kw in keywords:
        assert kw in params, f"{name} lacks keyword {kw!r}"


def test_sem_is_callable_and_a_package():
    assert callable(es.sem) and hasattr(es.sem, "cfa") and hasattr(es.sem, "reliability")
