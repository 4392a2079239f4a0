"""Scoring: reverse keys, minimum-valid rules, scale and subscale scores, and an audit of every row.

``score`` takes the output of :func:`engagesurvey.read_responses` (or a DataFrame whose columns are item
ids holding numeric codes) and an instrument. For each scored scale it computes the prorated mean of the
answered items when at least ``min_valid`` items are answered, then applies the scale's rule (mean, sum =
mean x number of items, POMP = 100 (mean - min) / (max - min)). Reverse-keyed items are recoded as
``min + max - x`` first. Nothing is dropped: every input row appears in ``reconciliation`` as scored,
partial or excluded, with the reason, and every missing score has a line in ``log``.

Checked against ``psych::scoreItems(keys, bfi, impute = "none", min = 1, max = 6)``
(``tests/reference/scoring.R``): identical to 1e-9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._results import ResultMixin
from . import score_kernel
from .errors import InputError
from .instrument import Instrument, load_instrument


@dataclass
class ScoreResult(ResultMixin):
    """Scores with their audit trail.

    Attributes
    ----------
    scores : DataFrame, one column per scored scale and subscale, rows aligned with the input rows.
    items : DataFrame of recoded, reverse-keyed item values (attention checks and unscored items kept).
        Columns that need no recoding share memory with the input frame (pandas' copy-on-write keeps
        the two independent if either is modified).
    n_valid : DataFrame, number of answered items per scale (small integers: int8 unless a scale has 128
        or more items).
    reconciliation : DataFrame, one row per input row: ``status`` (scored / partial / excluded) and
        ``reason``; the counts add up to the rows read.
    log : DataFrame, one line per missing score: row, scale, n_valid, needed, reason.
    flags : DataFrame of quality flags beside the scores (attention checks, constant sums, careless
        responding); never used to drop anyone.
    """

    scores: pd.DataFrame
    items: pd.DataFrame
    n_valid: pd.DataFrame
    reconciliation: pd.DataFrame
    log: pd.DataFrame
    flags: pd.DataFrame
    instrument: Instrument
    careless: object | None = None
    meta: pd.DataFrame = field(default_factory=pd.DataFrame)

    def counts(self) -> dict:
        """How the input rows were accounted for: read = scored + partial + excluded."""
        status = self.reconciliation["status"]
        out = {"read": int(len(status))}
        for s in ("scored", "partial", "excluded"):
            out[s] = int((status == s).sum())
        return out

    def to_frame(self) -> pd.DataFrame:
        """Meta columns (ids, groups), scores and flags side by side, one row per input row."""
        parts = [self.meta, self.scores, self.flags]
        return pd.concat([p for p in parts if p is not None and p.shape[1]], axis=1)

    def summary(self) -> str:
        c = self.counts()
        lines = [
            f"Scores for {self.instrument.id} v{self.instrument.version}",
            f"rows read {c['read']}: scored {c['scored']}, partial {c['partial']}, excluded {c['excluded']}",
        ]
        if c["excluded"]:
            reasons = self.reconciliation.loc[self.reconciliation.status == "excluded", "reason"]
            for reason, n in reasons.value_counts().items():
                if n:  # a categorical lists every reason, also those that never occur
                    lines.append(f"  excluded ({n}): {reason}")
        lines.append("")
        desc = self.scores.describe().T[["count", "mean", "std", "min", "max"]]
        lines.append(desc.to_string(float_format=lambda v: f"{v:.3f}"))
        if self.flags.shape[1]:
            lines.append("")
            lines.append("flags (never used to exclude):")
            for col in self.flags.columns:
                if self.flags[col].dtype == bool:
                    lines.append(f"  {col}: {int(self.flags[col].sum())}")
        return "\n".join(lines)


def score(responses_or_frame, instrument, *, min_valid=None, careless: bool = True) -> ScoreResult:
    """Score responses with an instrument.

    Parameters
    ----------
    responses_or_frame : Responses or DataFrame
        Item columns named by item id holding numeric codes (``read_responses`` produces them).
    instrument : Instrument, bundled id or YAML path
    min_valid : int, float or None
        int: at least that many answered items; float in (0, 1): at least that share of the scale's
        items; None: each scale's own rule from the instrument.
    careless : bool
        Compute careless-responding indices and flags (``engagesurvey.careless``).

    Formula: for a scale with items ``j = 1..k``, ``n_valid = #answered``, ``mean = sum(x_j) / n_valid``
    over answered items (psych::scoreItems(impute = "none")); sum = ``k * mean`` (prorated); POMP =
    ``100 (mean - min) / (max - min)``.
    """
    inst = load_instrument(instrument)
    min_valid = check_min_valid(min_valid)
    frame, meta, source, duration = _unpack(responses_or_frame)
    item_ids = [i for i in inst.all_items() if i in frame.columns]
    if meta is None:  # a plain DataFrame: its other columns (ids, groups) travel along as meta data
        meta = frame[[c for c in frame.columns if c not in set(item_ids)]]
    missing = [i for i, it in inst.items.items() if i not in frame.columns and _is_scored_item(inst, i)]
    if missing:
        raise InputError(
            f"missing item columns for instrument {inst.id!r}: {', '.join(missing)}", file=source
        )
    doubled = [i for i in item_ids if (frame.columns == i).sum() > 1]
    if doubled:
        raise InputError(f"column {doubled[0]!r} appears more than once; rename or drop the copies", file=source)
    # column by column, not frame[item_ids]: selecting reordered columns would copy the whole block
    values = _numeric(pd.DataFrame({i: frame[i] for i in item_ids}, index=frame.index, copy=False), source)
    block = score_block(values, inst, source=source, min_valid=min_valid)
    items, scores, n_valid = block.items, block.scores, block.n_valid
    log, reconciliation = block.log, block.reconciliation

    flags, careless_result = _flags(values, items, inst, duration, careless)
    return ScoreResult(
        scores=scores, items=items, n_valid=n_valid, reconciliation=reconciliation, log=log,
        flags=flags, instrument=inst, careless=careless_result, meta=meta,
    )


class ScoredBlock(NamedTuple):
    """What :func:`score_block` returns for one block of rows (no careless indices, no flags)."""

    items: pd.DataFrame
    scores: pd.DataFrame
    n_valid: pd.DataFrame
    log: pd.DataFrame
    reconciliation: pd.DataFrame


def score_block(values: pd.DataFrame, inst: Instrument, *, source=None, min_valid=None) -> ScoredBlock:
    """Score one block of numeric codes: the per-row core of :func:`score`, usable chunk by chunk.

    ``values``: item columns (item ids) holding float codes, indexed by row number (error messages and
    the log use the index, so a chunk of a large file keeps its absolute row numbers). Checks the
    codes, reverse-keys (``min + max - x``), computes the scale scores, the missing-score log and the
    reconciliation. Everything here is row-wise, so scoring a file in chunks and stacking the blocks
    gives exactly the result of scoring it at once (careless-response indices, which need the whole
    sample, are left to :func:`score`). The arithmetic runs in :mod:`engagesurvey.score_kernel`.
    """
    item_ids = list(values.columns)
    scales = inst.scored_scales()
    columns = [values.iloc[:, j].to_numpy(dtype=float) for j in range(len(item_ids))]
    plan = _plan(item_ids, inst, scales, min_valid)
    out = score_kernel.run(columns, plan, rows=len(values))
    if out.bad.any():
        _code_error(values, columns, int(plan.order[out.bad].min()), inst, source)
    # items: the answers as given, except reverse-keyed columns; unchanged columns are shared with the
    # input, not copied (pandas' copy-on-write keeps the two apart if either is later modified)
    position = {int(plan.order[w]): r for r, w in enumerate(plan.reverse)}
    items = pd.DataFrame(
        {name: (pd.Series(out.reversed_items[:, position[j]], index=values.index, copy=False) if j in position
                else values.iloc[:, j]) for j, name in enumerate(item_ids)},
        index=values.index, copy=False,
    )
    ids = [sc.id for sc in scales]
    scores = pd.DataFrame(out.scores, index=values.index, columns=ids, copy=False)
    n_valid = pd.DataFrame(out.n_valid, index=values.index, columns=ids, copy=False)
    log = _missing_log(values.index, out, plan.needed, scales)
    reconciliation = _reconcile(values.index, out.n_scored, len(scales), out.n_answered)
    return ScoredBlock(items, scores, n_valid, log, reconciliation)


# --------------------------------------------------------------------------------------- internals


def _unpack(obj):
    """(item frame, meta frame, source name, duration Series | None) from Responses or a DataFrame."""
    if isinstance(obj, pd.DataFrame):
        return obj, None, None, None
    data = getattr(obj, "data", None)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"score() needs a Responses object or a DataFrame, got {type(obj).__name__}")
    inst = getattr(obj, "instrument", None)
    item_cols = set(inst.all_items()) if inst is not None else set()
    meta_cols = [c for c in data.columns if c not in item_cols]
    dur_col = getattr(obj, "duration_column", None)
    duration = data[dur_col] if dur_col in data.columns else None
    return data, data[meta_cols], getattr(obj, "source", None), duration


def _is_scored_item(inst: Instrument, item_id: str) -> bool:
    it = inst.items[item_id]
    return it.scale is not None


def _numeric(frame: pd.DataFrame, source) -> pd.DataFrame:
    """Item columns as float codes: numbers as they are, numeric text converted, blanks missing; a
    boolean, date/time or other non-numeric column is an error naming its first bad cell."""
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes):
        return frame.astype(float)
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) \
                or pd.api.types.is_timedelta64_dtype(s):
            first = s.notna().to_numpy().argmax()
            raise InputError(f"not a numeric code ({s.dtype} column; answers must be numeric codes)",
                             file=source, row=s.index[first], column=col, value=s.iloc[first])
        if not pd.api.types.is_numeric_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = s[conv.isna() & s.notna() & (s.astype(str).str.strip() != "")]
            if len(bad):
                raise InputError(
                    "not a numeric code (read the export with read_responses to map answer labels)",
                    file=source, row=bad.index[0], column=col, value=bad.iloc[0],
                )
            s = conv
        out[col] = s.astype(float)
    return pd.DataFrame(out, index=frame.index)


def _plan(item_ids, inst: Instrument, scales, min_valid) -> score_kernel.Plan:
    """The kernel's plan: allowed codes per item, the scales of each item, thresholds and scoring rules."""
    all_items = inst.all_items()
    by_size = sorted(range(len(scales)), key=lambda s: -len(scales[s].items))
    member = {i: tuple(s for s in by_size if i in scales[s].items) for i in item_ids}
    order = sorted(range(len(item_ids)), key=lambda j: member[item_ids[j]])  # a scale's items in a row
    names = [item_ids[j] for j in order]
    lo, hi, whole, sets = _allowed_codes(names, inst)
    reverse = np.array([w for w, name in enumerate(names) if all_items[name].reverse], dtype=np.int64)
    reverse_sum = np.array([all_items[names[w]].min + all_items[names[w]].max for w in reverse])
    reverse_at = np.full(len(names), -1, dtype=np.int64)
    reverse_at[reverse] = np.arange(reverse.size)
    stored_lo = lo.copy()  # lowest allowed value as stored (reverse-keyed: min + max - highest code)
    stored_lo[reverse] = reverse_sum - hi[reverse]
    for w, codes in sets.items():
        stored_lo[w] = codes.min() if reverse_at[w] < 0 else reverse_sum[reverse_at[w]] - codes.max()
    needed = np.array([_threshold(sc.min_valid if min_valid is None else min_valid, len(sc.items))
                       for sc in scales], dtype=float)
    sub, mul, div = _rules(scales, inst)
    return score_kernel.Plan(
        order=np.array(order, dtype=np.int64),
        scales_of=[tuple(s for s, sc in enumerate(scales) if name in sc.items) for name in names],
        sizes=np.array([len(sc.items) for sc in scales], dtype=np.int64),
        lo=lo, hi=hi, whole=whole, sets=sets,
        reverse=reverse, reverse_sum=reverse_sum, reverse_at=reverse_at, nonnegative=stored_lo >= 0,
        needed=needed, rule_sub=sub, rule_mul=mul, rule_div=div,
    )


def _allowed_codes(names, inst: Instrument):
    """(lo, hi, whole, sets) per item: the codes the kernel accepts, checked before reverse-keying.

    A code must be an option of the item's response scale (whole numbers from the lowest to the highest
    code where the options are consecutive whole numbers; otherwise one of the listed codes, in
    ``sets``) or lie inside [min, max] for a numeric scale (+-inf bounds when it has none).
    """
    p = len(names)
    lo, hi = np.full(p, -np.inf), np.full(p, np.inf)
    whole, sets = np.zeros(p, dtype=bool), {}
    for w, name in enumerate(names):
        it = inst.all_items()[name]
        rs = inst.response_scales[it.response_scale]
        if rs.numeric or not rs.options:
            if not (np.isnan(it.min) or np.isnan(it.max)):
                lo[w], hi[w] = it.min, it.max
            continue
        codes = np.asarray(rs.codes(), dtype=float)
        if np.array_equal(codes, np.arange(codes.min(), codes.max() + 1)):
            lo[w], hi[w], whole[w] = codes.min(), codes.max(), True
        else:
            sets[w] = codes
    return lo, hi, whole, sets


def _rules(scales, inst: Instrument):
    """Each scale's rule as ``score = (mean - sub) * mul / div``: mean, sum (k x mean) or POMP."""
    k = len(scales)
    sub, mul, div = np.zeros(k), np.ones(k), np.ones(k)
    for s, sc in enumerate(scales):
        if sc.scoring == "sum":
            mul[s] = len(sc.items)
        elif sc.scoring == "pomp":  # 100 (mean - min) / (max - min)
            sub[s] = np.mean([inst.items[i].min for i in sc.items])
            mul[s] = 100.0
            div[s] = np.mean([inst.items[i].max for i in sc.items]) - sub[s]
    return sub, mul, div


def _code_error(values, columns, j, inst, source):
    """Raise the error for the first bad column: its first bad row, value and the allowed codes."""
    name = values.columns[j]
    it = inst.all_items()[name]
    col = columns[j]
    with np.errstate(invalid="ignore"):
        bad = _bad_codes(col, it, inst.response_scales[it.response_scale])
    if bad is None or not bad.any():  # the codes are allowed but one is infinite
        r = int(np.argmax(np.isinf(col)))
        raise InputError(f"not a finite number for item {name!r}", file=source, row=values.index[r],
                         column=name, value=col[r])
    _range_error(values, col, bad, j, inst.all_items(), inst, source)


def _bad_codes(col: np.ndarray, it, rs):
    """Boolean mask of codes not allowed for the item (None when anything goes)."""
    if rs.numeric or not rs.options:
        if np.isnan(it.min) or np.isnan(it.max):
            return None
        return (col < it.min) | (col > it.max)
    codes = np.asarray(rs.codes())
    if np.array_equal(codes, np.arange(codes.min(), codes.max() + 1)):
        bad = (col < codes.min()) | (col > codes.max()) | (col != np.floor(col))
        return bad & ~np.isnan(col)
    return ~np.isnan(col) & ~np.isin(col, codes)


def _range_error(values, col, bad, j, all_items, inst, source):
    r = int(np.argmax(bad))
    name = values.columns[j]
    it = all_items[name]
    raise InputError(
        f"code out of range for item {name!r} (allowed {_allowed(inst.response_scales[it.response_scale], it)}; "
        f"{int(bad.sum())} such value(s) in this column)",
        file=source, row=values.index[r], column=name, value=col[r],
    )


def _allowed(rs, it) -> str:
    if rs.options:
        return ", ".join(f"{c:g}" for c in rs.codes())
    return f"{it.min:g}..{it.max:g}"


def check_min_valid(rule, *, what: str = "min_valid"):
    """``rule`` as the scoring functions take it, or a clear error: None (each scale's own rule), a
    whole number of items (int >= 1), or a share of the scale's items (float in (0, 1])."""
    if rule is None:
        return None
    if isinstance(rule, (bool, np.bool_)) or not isinstance(rule, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a whole number of items or a share in (0, 1], got {rule!r}")
    if isinstance(rule, (int, np.integer)):
        if rule < 1:
            raise InputError(f"{what} {rule}: give a share in (0, 1] or a whole number of items")
        return int(rule)
    rule = float(rule)
    if not (0 < rule <= 1):  # NaN fails too
        raise InputError(f"{what} {rule:g}: give a share in (0, 1] or a whole number of items "
                         "(a float is a share of the scale's items)")
    return rule


def _threshold(rule, k: int) -> int:
    """Items needed: an int count, or a share of k (at least that share: ceil(share * k)).

    A float is a share (``1.0`` = all items); an int is a count (``1`` = one item).
    """
    if isinstance(rule, float) and rule <= 1:
        return max(1, math.ceil(rule * k - 1e-12))
    return max(1, int(rule))


def _missing_log(index, out: score_kernel.Outputs, needed: np.ndarray, scales) -> pd.DataFrame:
    """One line per missing score (row, scale, n_valid, needed, reason)."""
    rows, cols = out.missing_rows, out.missing_cols
    if rows.size == 0:
        return _empty_log()
    k = np.array([len(sc.items) for sc in scales])[cols]
    n = out.n_valid[rows, cols].astype(int)
    need = needed[cols].astype(int)
    # the reason text per distinct (answered, items, needed), then indexed back to the lines
    combos, where = np.unique(np.stack([n, k, need]), axis=1, return_inverse=True)
    texts = np.array(["no item answered" if a == 0 else f"only {a} of {b} items answered; the rule needs {c}"
                      for a, b, c in combos.T], dtype=object)
    reason = texts[where.ravel()]
    log = pd.DataFrame({"row": np.asarray(index)[rows], "scale": np.array([sc.id for sc in scales])[cols],
                        "n_valid": n, "needed": need, "reason": reason})
    return log.sort_values(["row", "scale"], kind="stable").reset_index(drop=True)


def _empty_log() -> pd.DataFrame:
    return pd.DataFrame({"row": [], "scale": [], "n_valid": [], "needed": [], "reason": []})


def _flags(values, items, inst: Instrument, duration, careless: bool):
    flags = pd.DataFrame(index=values.index)
    for aid, chk in inst.attention_checks.items():
        if aid in values.columns:
            v = values[aid]
            flags[f"attention_{aid}_failed"] = v.notna() & ~v.isin(chk.pass_codes)
    for cs in inst.constant_sums:
        cols = [c for c in cs.items if c in values.columns]
        if len(cols) == len(cs.items):
            block = values[cols]
            complete = block.notna().all(axis=1)
            off = (block.sum(axis=1) - cs.total).abs() > cs.tolerance
            flags[f"{cs.id}_not_{cs.total:g}"] = complete & off
    result = None
    scored_items = [i for i in inst.items if i in items.columns and inst.items[i].scale is not None]
    if careless and len(scored_items) >= 2:
        from . import careless as _careless

        scales = {s.id: s.items for s in inst.scored_scales() if s.parent is not None}
        if len(scales) < 2:
            scales = {s.id: s.items for s in inst.scored_scales()}
        blocks = {s.id: s.items for s in inst.scales.values() if s.parent is None}  # one per page
        recoded = any(inst.items[i].reverse for i in scored_items)  # else the raw answers are the items
        result = _careless.careless_flags(
            items[scored_items], raw=values[scored_items] if recoded else None,
            scales=scales if len(scales) >= 2 else None,
            duration=duration, blocks=blocks if len(blocks) > 1 else None,
        )
        cflags = result.flags.add_prefix("careless_")
        flags = pd.concat([flags, cflags], axis=1)
    return flags, result


_STATUS = ["scored", "partial", "excluded"]
_REASONS = ["", "some scales below the minimum-valid rule",
            "too few items answered on every scale (minimum-valid rule)", "no item answered"]


def _reconcile(index, n_scored: np.ndarray, total: int, n_answered: np.ndarray) -> pd.DataFrame:
    """Status codes 0 scored / 1 partial / 2 excluded; reason codes index ``_REASONS`` (int8 arithmetic)."""
    partial = n_scored != total
    none = n_scored == 0
    status = partial.view(np.int8) + (partial & none).view(np.int8)
    reason = status + ((status == 2) & (n_answered == 0)).view(np.int8)
    return pd.DataFrame(
        {
            # categoricals: cheap for millions of rows
            "status": pd.Categorical.from_codes(status, _STATUS, validate=False),
            "reason": pd.Categorical.from_codes(reason, _REASONS, validate=False),
            "n_items_answered": n_answered,
            "n_scales_scored": n_scored,
        },
        index=index, copy=False,
    )
