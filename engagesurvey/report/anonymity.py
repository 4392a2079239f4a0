"""Anonymity rules used by every group breakdown in the reports and exports.

Three rules (see ``docs/reports.md``):

1. **Minimum group size** ``k`` (``min_group``, default 5, never below 3). A group with fewer than ``k``
   respondents is never shown (*primary suppression*): its row is removed, not blanked, so neither its
   statistics nor its ``n`` can be read.
2. **Complementary suppression.** Groups form a hierarchy: the overall total, agencies inside it, units
   inside each agency. Each node's respondents are the union of its children's, so a hidden child could
   be recovered by subtraction (parent minus the visible children). The planner hides further nodes until
   none of these holds, for every parent/children partition:

   * R1 - the parent is shown and exactly one child is hidden (it would equal parent minus the others);
   * R2 - a hidden node has all of its children shown (it would equal their sum);
   * R3 - the parent is shown and the hidden children together (less any of their shown sub-groups) hold
     fewer than ``k`` respondents (their pooled statistic would describe fewer than ``k`` people).

   The fix is always to hide the smallest shown child of that partition (ties by label); when no child
   is left to hide, the parent itself is hidden. So a unit hidden inside an agency whose total is shown
   takes a second unit of that agency with it, or the agency total goes. Respondents of a parent that are
   in none of its listed children (a missing unit label) count as an unpublished child of their own.
3. **Comments.** Free-text comments are shown only for groups of at least ``comment_min`` respondents
   (default 10, never below the numeric threshold), attributed only to that group, in a fixed order
   (sorted by text) unrelated to respondent order.

Respondent identifiers never appear in any output: :func:`check_no_ids` guards every writer.

Breakdowns of the *same* respondents along unrelated dimensions (agency and gender) are protected one
hierarchy at a time; their cross-classification (agency x gender) must be given as its own hierarchy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import EngageSurveyError

MIN_GROUP_FLOOR = 3
DEFAULT_MIN_GROUP = 5
DEFAULT_COMMENT_MIN = 10
REST = "\x00rest"  # an unpublished child: respondents of a parent in none of its listed children
ID_COLUMNS = frozenset({
    "respondent_id", "respondentid", "response_id", "responseid", "respondent", "id_responden",
    "record_id", "_uuid", "_id", "uuid", "id",
})


def check_min_group(min_group) -> int:
    """``min_group`` as an int; an error if it is not a whole number of at least 3."""
    if isinstance(min_group, bool) or not isinstance(min_group, (int, np.integer)):
        raise EngageSurveyError(f"the minimum group size must be a whole number, got {min_group!r}")
    if min_group < MIN_GROUP_FLOOR:
        raise EngageSurveyError(
            f"the minimum group size cannot be below {MIN_GROUP_FLOOR}, got {min_group}")
    return int(min_group)


def mask_small_groups(labels: pd.Series, min_group: int = DEFAULT_MIN_GROUP) -> pd.Series:
    """``labels`` with every group of fewer than ``min_group`` rows set to missing, so an analysis run
    by group (invariance, case selection) can neither show such a group nor name it in a message."""
    sizes = labels.map(labels.value_counts())
    return labels.where(sizes >= min_group)


def check_no_ids(frame: pd.DataFrame, name: str = "table", *, extra: Sequence[str] = ()) -> None:
    """Raise if ``frame`` has a respondent-id column (by name, or one of ``extra``)."""
    banned = ID_COLUMNS | {str(e).lower() for e in extra}
    names = [*map(str, frame.columns)]
    if frame.index.name is not None:
        names.append(str(frame.index.name))
    names.extend(str(n) for n in (frame.index.names or []) if n is not None)
    for col in names:
        if col.strip().lower() in banned:
            raise EngageSurveyError(
                f"{name} has a respondent-id column {col!r}; reports and exports never contain ids")


# ------------------------------------------------------------------------------------------- planner


def suppression_plan(sizes: Mapping[tuple, int], min_group: int = DEFAULT_MIN_GROUP, *,
                     complementary: bool = True, total: bool = True) -> set[tuple]:
    """Which nodes of a group hierarchy to hide.

    Parameters
    ----------
    sizes : mapping path -> n
        Paths are tuples: ``()`` the overall total, ``("A",)`` agency A, ``("A", "U1")`` unit U1 in A.
        A missing parent gets the sum of its children; a missing root likewise. A parent larger than the
        sum of its listed children gets an unpublished remainder child.
    min_group : int
        ``k``: groups with ``n < k`` are hidden (primary suppression). At least 3.
    complementary : bool
        Apply rules R1-R3 (module docstring). ``False`` gives primary suppression only, which is NOT
        safe when totals are shown; it exists for internal checks.
    total : bool
        Whether the overall total (the root) is published. ``False``: it is never shown, but it is still
        counted on (R2 is not applied to it).

    Returns
    -------
    set of hidden paths (the root ``()`` is in it when the total must not be shown or is unpublished).
    """
    k = check_min_group(min_group)
    n, children = _tree(sizes)
    unpublished = {p for p in n if p and p[-1] == REST}
    if not total:
        unpublished.add(())
    hidden = {p for p in n if n[p] < k} | unpublished
    protect = {p for p in n if n[p] < k}
    if not complementary:
        return hidden
    order = sorted(children, key=lambda p: (len(p), [str(x) for x in p]))
    while True:
        fix = _violation(n, children, order, hidden, protect, k)
        if fix is None:
            break
        hidden.add(fix)
        protect.add(fix)
    return hidden


def _tree(sizes: Mapping[tuple, int]):
    n: dict[tuple, int] = {}
    for p, v in sizes.items():
        p = tuple(p)
        if v is None or not np.isfinite(v) or v < 0 or float(v) != int(v):
            raise EngageSurveyError(f"group {p!r}: the group size must be a whole number >= 0, got {v!r}")
        if int(v) > 0 or p == ():
            n[p] = int(v)
    depth = max((len(p) for p in n), default=0)
    for d in range(depth, 0, -1):  # fill missing parents bottom-up
        for p in [q for q in n if len(q) == d]:
            if p[:-1] not in n:
                n[p[:-1]] = sum(v for q, v in n.items() if len(q) == d and q[:-1] == p[:-1])
    n.setdefault((), 0)
    children: dict[tuple, list[tuple]] = {}
    for p in list(n):
        if p:
            children.setdefault(p[:-1], []).append(p)
    for parent, kids in list(children.items()):
        rest = n[parent] - sum(n[c] for c in kids)
        if rest < 0:
            raise EngageSurveyError(
                f"group {parent!r} has {n[parent]} respondents but its sub-groups add up to {n[parent] - rest}")
        if rest > 0:
            leaf = (*parent, REST)
            n[leaf] = rest
            kids.append(leaf)
    return n, children


def _violation(n, children, order, hidden, protect, k):
    """The next node to hide, or None when rules R1-R3 all hold."""
    mass = {}

    def m(p):  # respondents of hidden node p not covered by shown descendants
        if p not in hidden:
            return 0
        if p not in mass:
            mass[p] = n[p] - sum(n[c] - m(c) for c in children.get(p, ()))
        return mass[p]

    for parent in order:
        kids = children[parent]
        shown = sorted((c for c in kids if c not in hidden and c[-1] != REST),
                       key=lambda c: (n[c], str(c[-1])))
        unknown = [c for c in kids if c in hidden]
        if parent not in hidden:
            bad = (len(unknown) == 1 and unknown[0] in protect) or (
                unknown and any(c in protect for c in unknown) and sum(m(c) for c in unknown) < k)
            if bad:
                return shown[0] if shown else parent
        elif parent in protect and not unknown and shown:
            return shown[0]  # R2: the hidden parent equals the sum of its shown children
    return None


# ----------------------------------------------------------------------------------- table helpers


def suppress(table: pd.DataFrame, n_col: str = "n", min_group: int = DEFAULT_MIN_GROUP, *,
             complementary: bool = True, total=None, parent: str | None = None) -> pd.DataFrame:
    """Remove the rows of a group table that must not be shown.

    ``table`` has one row per group (its index or the ``parent`` column naming it) and the group size in
    ``n_col``. ``total``: ``None``/``True`` = an overall total equal to the sum of the groups is shown
    (the safe assumption); an int = the overall ``n`` shown, when some respondents are in no listed group;
    ``False`` = no overall total is shown. ``parent``: a column naming each row's parent group (units in
    agencies); the parents' totals are then taken as shown too, and rows are hidden so that no hidden unit
    can be recovered from its agency's total. Hidden rows are dropped; ``result.attrs["suppressed"]`` is
    the number dropped and ``attrs["min_group"]`` the threshold.
    """
    k = check_min_group(min_group)
    if n_col not in table.columns:
        raise EngageSurveyError(f"suppress: the group-size column {n_col!r} is not in the table")
    if parent is not None and parent not in table.columns:
        raise EngageSurveyError(f"suppress: the parent column {parent!r} is not in the table")
    sizes_ = pd.to_numeric(table[n_col], errors="coerce").fillna(0).to_numpy()
    if parent is None:
        keys = [(i,) for i in range(len(table))]
    else:
        keys = [("" if pd.isna(a) else str(a), i) for i, a in enumerate(table[parent])]
    sizes = {key: int(v) for key, v in zip(keys, sizes_)}
    if total is not None and not isinstance(total, bool):
        sizes[()] = int(total)
    hidden = suppression_plan(sizes, k, complementary=complementary, total=total is not False)
    keep = np.array([key not in hidden for key in keys], dtype=bool)
    out = table.loc[keep].copy()
    out.attrs.update({"suppressed": int((~keep).sum()), "min_group": k})
    return out


def breakdown(values: pd.DataFrame, groups, *, min_group: int = DEFAULT_MIN_GROUP, total: bool = True,
              complementary: bool = True) -> dict[str, pd.DataFrame]:
    """Suppressed means of ``values`` by a group hierarchy: one table per level.

    ``groups`` is a Series (one level) or a DataFrame whose columns are the levels, outermost first
    (``meta[["agency", "unit"]]``). Each level's table has the level columns, ``n`` (respondents in the
    group) and the mean of each column of ``values``. The plan of :func:`suppression_plan` runs on the
    whole hierarchy at once, so a unit hidden inside a shown agency cannot be recovered. A mean over
    fewer than ``min_group`` answered values is also left empty (NaN). Respondents with a missing group
    label form an unpublished group of their own. ``total=True`` adds an ``"overall"`` table (one row)
    unless the plan hides it.
    """
    k = check_min_group(min_group)
    g = groups.to_frame() if isinstance(groups, pd.Series) else groups
    if not isinstance(g, pd.DataFrame) or g.shape[1] == 0:
        raise EngageSurveyError("breakdown: groups must be a Series or a DataFrame of group columns")
    if len(g) != len(values):
        raise EngageSurveyError(
            f"breakdown: {len(g)} group labels for {len(values)} rows of values")
    g = g.reset_index(drop=True)
    vals = values.reset_index(drop=True).apply(pd.to_numeric, errors="coerce").astype(float)
    levels = [str(c) for c in g.columns]
    known = g.notna().to_numpy()
    complete_prefix = np.cumprod(known, axis=1).astype(bool)  # labels usable at each depth
    sizes: dict[tuple, int] = {(): len(g)}
    tables = {}
    for d, lev in enumerate(levels):
        rows = complete_prefix[:, d]
        sub = g.loc[rows, levels[: d + 1]].astype(str)
        grp = vals.loc[rows].groupby([sub[c] for c in sub.columns], sort=True)
        means = grp.mean()
        counts = grp.count()
        size = grp.size()
        means = means.where(counts >= k)
        tab = means.reset_index()
        tab.insert(d + 1, "n", size.to_numpy())
        tables[lev] = tab
        for key, v in zip(size.index, size.to_numpy()):
            sizes[key if isinstance(key, tuple) else (key,)] = int(v)
    hidden = suppression_plan(sizes, k, complementary=complementary, total=total)
    out: dict[str, pd.DataFrame] = {}
    if total and () not in hidden:
        overall = vals.mean().where(vals.count() >= k).to_frame().T
        overall.insert(0, "n", len(g))
        out["overall"] = overall
    for d, lev in enumerate(levels):
        tab = tables[lev]
        keys = list(tab[levels[: d + 1]].itertuples(index=False, name=None))
        keep = np.array([key not in hidden for key in keys], dtype=bool)
        t = tab.loc[keep].reset_index(drop=True)
        t.attrs.update({"suppressed": int((~keep).sum()), "min_group": k})
        out[lev] = t
    for t in out.values():
        t.attrs.setdefault("min_group", k)
        t.attrs["breakdown"] = True
    return out


def comments_for(groups, texts, min_group: int = DEFAULT_COMMENT_MIN, *,
                 numeric_min: int = DEFAULT_MIN_GROUP) -> pd.DataFrame:
    """Free-text comments that may be shown, each attributed to a group of at least ``min_group``.

    ``groups``: one group label per respondent (Series or sequence); ``texts``: the comment of each
    respondent (missing or blank = no comment). Group size counts respondents, not commenters. Comments of
    respondents in smaller groups (or with no group) are left out altogether, never moved to another
    group. ``min_group`` (default 10) may not be below ``numeric_min`` (the numeric threshold, default 5)
    nor below 3. Returns a DataFrame ``group, comment`` sorted by group then text, so row order says
    nothing about who wrote what.
    """
    numeric_min = check_min_group(numeric_min)
    k = check_min_group(min_group)
    if k < numeric_min:
        raise EngageSurveyError(
            f"the comment threshold ({k}) cannot be below the numeric minimum group size ({numeric_min})")
    g = pd.Series(np.asarray(groups, dtype=object))
    x = pd.Series(np.asarray(texts, dtype=object))
    if len(g) != len(x):
        raise EngageSurveyError(f"comments_for: {len(g)} group labels for {len(x)} comments")
    size = g.value_counts(dropna=True)
    big = set(size[size >= k].index)
    text = x.where(x.notna(), "").astype(str).str.strip()
    ok = g.isin(big) & g.notna() & (text != "")
    out = pd.DataFrame({"group": g[ok].astype(str).to_numpy(), "comment": text[ok].to_numpy()})
    out = out.sort_values(["group", "comment"], kind="stable").reset_index(drop=True)
    out.attrs.update({"min_group": k, "groups_left_out": int((size < k).sum())})
    return out
