"""Anonymity: primary and complementary suppression, comments threshold, no respondent ids.

The property tests check the suppression plan with an independent method: linear algebra. Every
published group total is a linear function of the leaf groups' totals (each node is the sum of its
leaves); a hidden group's total can be derived from the published ones exactly when its leaf-indicator
vector lies in the row space of the published ones (rank test). This holds for sums and counts alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagesurvey.errors import EngageSurveyError
from engagesurvey.report import anonymity as an

# ------------------------------------------------------------------------------ independent checks


def _leaves_and_nodes(sizes: dict):
    """Leaf paths (including implicit remainders) and every node as a 0/1 vector over leaves."""
    n, children = an._tree(sizes)
    leaves = [p for p in n if p not in children]
    col = {p: j for j, p in enumerate(leaves)}
    vec = {}
    for p in n:
        v = np.zeros(len(leaves))
        for leaf in leaves:
            if leaf[: len(p)] == p:
                v[col[leaf]] = 1.0
        vec[p] = v
    return n, children, leaves, vec


def _derivable(target: np.ndarray, published: list[np.ndarray]) -> bool:
    if not published:
        return False
    a = np.vstack(published)
    return np.linalg.matrix_rank(np.vstack([a, target])) == np.linalg.matrix_rank(a)


def _published(n, hidden, total):
    return [p for p in n if p not in hidden and (p != () or total) and (not p or p[-1] != an.REST)]


def _assert_safe(sizes, k, total=True):
    hidden = an.suppression_plan(sizes, k, total=total)
    n, children, leaves, vec = _leaves_and_nodes(sizes)
    pub = _published(n, hidden, total)
    pub_vecs = [vec[p] for p in pub]
    for p in n:
        if n[p] < k:
            assert p not in pub, f"{p} with n={n[p]} < {k} is shown"
            assert not _derivable(vec[p], pub_vecs), f"{p} (n={n[p]}) can be derived from shown totals"
    # the partition rule: total shown and all but one child shown -> the last one is shown too
    for parent, kids in children.items():
        if parent in pub:
            not_shown = [c for c in kids if c not in pub]
            assert len(not_shown) != 1 or n[not_shown[0]] >= k and not_shown[0][-1] == an.REST
            if not_shown and any(n[c] < k for c in not_shown):
                # what can be derived for the hidden children jointly describes at least k people
                resid = vec[parent] - sum(vec[c] for c in kids if c in pub)
                assert resid @ np.array([n[leaf] for leaf in leaves]) >= k
    return hidden, pub


sizes_1 = st.lists(st.integers(1, 40), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes_1, st.integers(3, 10), st.booleans())
def test_one_level_no_hidden_group_derivable(ns, k, total):
    sizes = {(f"g{j}",): v for j, v in enumerate(ns)}
    _assert_safe(sizes, k, total)


nested = st.lists(st.lists(st.integers(1, 25), min_size=1, max_size=6), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested, st.integers(3, 8), st.integers(0, 6))
def test_nested_units_in_agencies_no_hidden_group_derivable(agencies, k, unlabelled):
    sizes = {(f"A{a}", f"U{u}"): v for a, units in enumerate(agencies) for u, v in enumerate(units)}
    if unlabelled:  # respondents of agency 0 with no unit label: an unpublished remainder
        sizes[("A0",)] = sum(agencies[0]) + unlabelled
    _assert_safe(sizes, k)


three_levels = st.lists(st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=3), min_size=1, max_size=4),
                        min_size=1, max_size=4)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(three_levels, st.integers(3, 8))
def test_three_levels_no_hidden_group_derivable(tree, k):
    sizes = {(f"A{a}", f"U{u}", f"T{t}"): v for a, units in enumerate(tree) for u, teams in enumerate(units)
             for t, v in enumerate(teams)}
    _assert_safe(sizes, k)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested, st.integers(3, 8), st.integers(0, 2**31 - 1))
def test_breakdown_outputs_never_reveal_a_small_group(agencies, k, seed):
    """End to end: random scores, the published means and n of every level, and the subtraction attack."""
    rng = np.random.default_rng(seed)
    agency, unit = [], []
    for a, units in enumerate(agencies):
        for u, v in enumerate(units):
            agency += [f"A{a}"] * v
            unit += [f"U{u}"] * v
    meta = pd.DataFrame({"agency": agency, "unit": unit})
    scores = pd.DataFrame({"x": rng.normal(size=len(meta))})
    tabs = an.breakdown(scores, meta[["agency", "unit"]], min_group=k)
    true = meta.assign(x=scores.x).groupby(["agency", "unit"]).x.agg(["size", "sum"])
    shown_units = {(r.agency, r.unit) for r in tabs["unit"].itertuples()}
    shown_agencies = set(tabs["agency"]["agency"])
    for (a, u), row in true.iterrows():
        if row["size"] < k:
            assert (a, u) not in shown_units
        assert (a, u) not in shown_units or row["size"] >= k
    for a in set(agency):
        units = true.loc[a]
        hidden_units = [u for u in units.index if (a, u) not in shown_units]
        if a in shown_agencies:  # agency total shown: subtract its shown units
            row = tabs["agency"].set_index("agency").loc[a]
            resid_n = row["n"] - sum(units.loc[u, "size"] for u in units.index if (a, u) in shown_units)
            resid_sum = row["n"] * row["x"] - sum(units.loc[u, "sum"] for u in units.index
                                                  if (a, u) in shown_units) if pd.notna(row["x"]) else np.nan
            if hidden_units:
                assert len(hidden_units) >= 2 and resid_n >= k
                assert resid_n == units.loc[hidden_units, "size"].sum()
                if pd.notna(resid_sum):
                    assert resid_sum == pytest.approx(units.loc[hidden_units, "sum"].sum(), abs=1e-8)
    # visible statistics are the true ones
    for r in tabs["unit"].itertuples():
        assert r.n == true.loc[(r.agency, r.unit), "size"] >= k
        assert r.x == pytest.approx(true.loc[(r.agency, r.unit), "sum"] / r.n)


# ------------------------------------------------------------------------------------- unit tests


def test_one_hidden_group_takes_the_next_smallest_with_it():
    table = pd.DataFrame({"n": [30, 3, 12, 8]}, index=["a", "b", "c", "d"])
    out = an.suppress(table)
    assert list(out.index) == ["a", "c"]           # b primary, d (next smallest) complementary
    assert out.attrs["suppressed"] == 2
    no_total = an.suppress(table, total=False)
    assert list(no_total.index) == ["a", "c", "d"]  # no total shown: b cannot be recovered
    primary = an.suppress(table, complementary=False)
    assert list(primary.index) == ["a", "c", "d"]


def test_hidden_pair_must_hold_k_people():
    # b and c are both small: hiding both is not enough (their pooled mean describes 4 people)
    table = pd.DataFrame({"n": [30, 2, 2, 9]}, index=["a", "b", "c", "d"])
    assert list(an.suppress(table).index) == ["a"]


def test_total_hidden_when_it_equals_a_small_group():
    assert an.suppression_plan({("a",): 3}, 5) == {(), ("a",)}
    assert () in an.suppression_plan({("a",): 3, ("b",): 1}, 5)


def test_nested_unit_hidden_inside_shown_agency():
    sizes = {("A", "u1"): 2, ("A", "u2"): 10, ("A", "u3"): 40, ("B", "v1"): 20, ("B", "v2"): 20}
    hidden = an.suppression_plan(sizes, 5)
    assert ("A", "u1") in hidden and ("A", "u2") in hidden     # second unit in the same agency
    assert ("A",) not in hidden and ("B", "v1") not in hidden


def test_hidden_agency_with_all_units_shown_is_protected():
    # agency C (n=6) is hidden to protect agency B (n=2); C's units would add back up to C
    sizes = {("A", "a1"): 40, ("B", "b1"): 2, ("C", "c1"): 3, ("C", "c2"): 3,
             ("D", "d1"): 6, ("D", "d2"): 6}
    hidden, _ = _assert_safe(sizes, 3)
    assert ("B",) in hidden


def test_suppress_with_parent_column():
    table = pd.DataFrame({"agency": ["A", "A", "A", "B", "B"], "unit": ["u1", "u2", "u3", "v1", "v2"],
                          "n": [2, 10, 40, 20, 20]})
    out = an.suppress(table, parent="agency")
    assert list(out.unit) == ["u3", "v1", "v2"]


def test_min_group_floor_and_bad_input():
    table = pd.DataFrame({"n": [30, 3]})
    with pytest.raises(EngageSurveyError, match="cannot be below 3"):
        an.suppress(table, min_group=2)
    with pytest.raises(EngageSurveyError, match="whole number"):
        an.suppress(table, min_group=4.5)
    with pytest.raises(EngageSurveyError, match="'size' is not in the table"):
        an.suppress(table, n_col="size")
    with pytest.raises(EngageSurveyError, match="parent column 'agency'"):
        an.suppress(table, parent="agency")
    with pytest.raises(EngageSurveyError, match="whole number >= 0"):
        an.suppression_plan({("a",): -1})
    with pytest.raises(EngageSurveyError, match="add up to"):
        an.suppression_plan({(): 3, ("a",): 10})
    with pytest.raises(EngageSurveyError, match="cannot be below 3"):
        an.breakdown(pd.DataFrame({"x": [1.0]}), pd.Series(["a"]), min_group=1)
    with pytest.raises(EngageSurveyError, match="1 group labels for 2 rows"):
        an.breakdown(pd.DataFrame({"x": [1.0, 2.0]}), pd.Series(["a"]))


def test_breakdown_configurable_threshold_and_missing_labels():
    meta = pd.DataFrame({"agency": ["A"] * 9 + ["B"] * 6 + [None] * 2,
                         "unit": ["u1"] * 4 + ["u2"] * 5 + ["v1"] * 3 + [None] * 3 + [None] * 2})
    vals = pd.DataFrame({"x": np.arange(17, dtype=float)})
    tabs = an.breakdown(vals, meta, min_group=3)
    assert set(tabs["unit"].unit) == {"u1", "u2", "v1"}   # B's unlabelled 3 form their own remainder
    tabs5 = an.breakdown(vals, meta, min_group=5)
    assert "v1" not in set(tabs5["unit"].unit)
    assert (tabs5["unit"].n >= 5).all()
    assert "respondent_id" not in tabs5["unit"].columns
    # the 2 people without an agency must not be derivable as overall minus the shown agencies
    assert "overall" in tabs5 and tabs5["overall"].n.iloc[0] == 17
    assert 17 - tabs5["agency"].n.sum() >= 5


def test_cell_with_too_few_answers_left_empty():
    meta = pd.Series(["a"] * 6 + ["b"] * 6, name="g")
    vals = pd.DataFrame({"x": [1.0] * 12, "y": [np.nan] * 4 + [2.0] * 8})
    tab = an.breakdown(vals, meta, min_group=5)["g"]
    assert tab.set_index("g").loc["a", "y"] != tab.set_index("g").loc["a", "y"]  # NaN: only 2 answers
    assert tab.set_index("g").loc["b", "y"] == 2.0


def test_comments_only_from_big_groups():
    groups = ["big"] * 12 + ["small"] * 6 + [None] * 3
    texts = [f"c{i}" if i % 2 == 0 else "  " for i in range(12)] + ["secret"] * 6 + ["nogroup"] * 3
    out = an.comments_for(groups, texts)
    assert set(out.group) == {"big"}
    assert "secret" not in set(out.comment) and "nogroup" not in set(out.comment)
    assert list(out.comment) == sorted(out.comment)
    assert out.attrs["groups_left_out"] == 1
    assert len(an.comments_for(groups, texts, min_group=6)) == 12
    with pytest.raises(EngageSurveyError, match="comment threshold \\(4\\) cannot be below"):
        an.comments_for(groups, texts, min_group=4)
    with pytest.raises(EngageSurveyError, match="3 group labels for 2 comments"):
        an.comments_for(["a", "b", "c"], ["x", "y"])


def test_check_no_ids():
    with pytest.raises(EngageSurveyError, match="respondent-id column 'respondent_id'"):
        an.check_no_ids(pd.DataFrame({"respondent_id": ["R1"], "x": [1]}))
    with pytest.raises(EngageSurveyError, match="'NIP'"):
        an.check_no_ids(pd.DataFrame({"NIP": ["1"]}), extra=["nip"])
    an.check_no_ids(pd.DataFrame({"unit": ["u1"], "n": [5]}))
