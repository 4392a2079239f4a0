"""Fixtures added on review: split_half(missing="listwise") against psych::splitHalf(use = "complete")
(tests/reference/split_half_complete.R) and the se / t / p / CI columns of PROCESS models 7 and 14
against summary(lm()) and confint(lm()) (tests/reference/process_se.R)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_dataset, load_reference

from engagesurvey.split_half import split_half
from engagesurvey.models.moderation import process

CLOSED = 1e-6
A_ITEMS = ["A1", "A2", "A3", "A4", "A5"]
C_ITEMS = ["C1", "C2", "C3", "C4", "C5"]
SPLIT = load_reference("split_half_complete")
PSE = load_reference("process_se")


def close(ours, theirs, tol=CLOSED):
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(theirs, float), rtol=0, atol=tol)


# ---------------------------------------------------------------------------- split-half, listwise
SPLIT_CASES = {"split_half_10": (10, False), "split_half_9": (9, False), "split_half_10_covar": (10, True)}


@pytest.mark.parametrize("case", list(SPLIT_CASES))
def test_split_half_listwise_matches_psych_use_complete(bfi, case):
    """missing="listwise" is psych::splitHalf(use = "complete", raw = TRUE, check.keys = FALSE)."""
    k, covar = SPLIT_CASES[case]
    items = (A_ITEMS + C_ITEMS)[:k]
    ref = SPLIT[case]
    assert ref["n_complete"] < ref["n_rows"]  # the case really has incomplete rows to drop
    res = split_half(bfi[items], reverse=[c for c in ["A1", "C4", "C5"] if c in items], covar=covar,
                     missing="listwise")
    for ours, key in [("lambda4_max", "maxrb"), ("lambda4_min", "minrb"), ("mean_split", "meanr"),
                      ("alpha", "alpha"), ("lambda2", "lambda2"), ("lambda6", "lambda6"),
                      ("average_r", "av_r"), ("median_r", "med_r")]:
        close(getattr(res, ours), ref[key])
    close(res.ci, [ref["ci"][0], ref["ci"][2]])
    assert res.n_splits == ref["n_splits"] and res.exhaustive
    for part in ["first_second", "odd_even"]:
        close(getattr(res, f"r_{part}"), ref[part]["r_halves"])
        close(getattr(res, f"spearman_brown_{part}"), ref[part]["spearman_brown"])
        close(getattr(res, f"guttman_{part}"), ref[part]["guttman"])


def test_split_half_listwise_differs_from_pairwise(bfi):
    """The listwise fixture would not be met by the pairwise computation."""
    items = A_ITEMS + C_ITEMS
    pw = split_half(bfi[items], reverse=["A1", "C4", "C5"])
    assert abs(pw.alpha - SPLIT["split_half_10"]["alpha"]) > 1e-4


# ---------------------------------------------------------------------------- PROCESS 7 / 14 inference
# our table rows (outcome, term) in the order of R's coefficients for each equation
ROWS = {
    7: {"m": [("C", "Intercept"), ("C", "A"), ("C", "N"), ("C", "A:N")],
        "y": [("E", "Intercept"), ("E", "A"), ("E", "C")]},
    14: {"m": [("C", "Intercept"), ("C", "A")],
         "y": [("E", "Intercept"), ("E", "A"), ("E", "C"), ("E", "N"), ("E", "C:N")]},
}


@pytest.fixture(scope="module")
def d():
    return load_dataset("models_bfi_scales")


@pytest.mark.parametrize("model", [7, 14])
@pytest.mark.parametrize("eq", ["m", "y"])
def test_process_table_inference_matches_lm(d, model, eq):
    """process(...).table est/se/t/pvalue/ci against summary(lm()) and confint(lm()): classical OLS
    (homoskedastic) standard errors, t on the residual df, 95% t intervals."""
    p = process(d, model, "A", "E", m="C", w="N", n_boot=50, seed=1)
    assert p.n == PSE["n"]
    R = PSE[f"m{model}"][eq]
    rows = ROWS[model][eq]
    assert len(rows) == len(R["terms"])
    t = p.table.loc[rows]
    assert len(p.table.xs(rows[0][0], level="outcome")) == len(rows)  # no unchecked row in the equation
    for ours, key in [("est", "est"), ("se", "se"), ("t", "t"), ("pvalue", "p"),
                      ("ci_lower", "lower"), ("ci_upper", "upper")]:
        close(t[ours].to_numpy(), R[key])
