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

import numpy as np
import pandas as pd

from ._results import ResultMixin
from .errors import InputError
from .instrument import Instrument, Scale, load_instrument


@dataclass
class ScoreResult(ResultMixin):
    """Scores with their audit trail.

    Attributes
    ----------
    scores : DataFrame, one column per scored scale and subscale, rows aligned with the input rows.
    items : DataFrame of recoded, reverse-keyed item values (attention checks and unscored items kept).
    n_valid : DataFrame, number of answered items per scale.
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
    frame, meta, source, duration = _unpack(responses_or_frame)
    item_ids = [i for i in inst.all_items() if i in frame.columns]
    missing = [i for i, it in inst.items.items() if i not in frame.columns and _is_scored_item(inst, i)]
    if missing:
        raise InputError(
            f"missing item columns for instrument {inst.id!r}: {', '.join(missing)}", file=source
        )
    values = _numeric(frame[item_ids], source)
    _check_ranges(values, inst, source)
    items = _reverse(values, inst)

    scores, n_valid, logs = {}, {}, []
    for sc in inst.scored_scales():
        s, nv, lg = _score_scale(items, inst, sc, min_valid)
        scores[sc.id], n_valid[sc.id] = s, nv
        logs.append(lg)
    scores = pd.DataFrame(scores, index=frame.index)
    n_valid = pd.DataFrame(n_valid, index=frame.index)
    log = pd.concat(logs, ignore_index=True) if logs else _empty_log()

    flags, careless_result = _flags(values, items, inst, duration, careless)
    reconciliation = _reconcile(frame.index, scores, items, inst)
    return ScoreResult(
        scores=scores, items=items, n_valid=n_valid, reconciliation=reconciliation, log=log,
        flags=flags, instrument=inst, careless=careless_result, meta=meta,
    )


# --------------------------------------------------------------------------------------- internals


def _unpack(obj):
    """(item frame, meta frame, source name, duration Series | None) from Responses or a DataFrame."""
    if isinstance(obj, pd.DataFrame):
        return obj, pd.DataFrame(index=obj.index), None, None
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
    out = {}
    for col in frame.columns:
        s = frame[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
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


def _check_ranges(values: pd.DataFrame, inst: Instrument, source) -> None:
    all_items = inst.all_items()
    for col in values.columns:
        it = all_items[col]
        rs = inst.response_scales[it.response_scale]
        v = values[col]
        if rs.numeric or not rs.options:
            lo, hi = it.min, it.max
            if math.isnan(lo) or math.isnan(hi):
                continue
            bad = v[(v < lo) | (v > hi)]
        else:
            bad = v[v.notna() & ~v.isin(rs.codes())]
        if len(bad):
            raise InputError(
                f"code out of range for item {col!r} (allowed {_allowed(rs, it)}; {len(bad)} such value(s))",
                file=source, row=bad.index[0], column=col, value=bad.iloc[0],
            )


def _allowed(rs, it) -> str:
    if rs.options:
        return ", ".join(f"{c:g}" for c in rs.codes())
    return f"{it.min:g}..{it.max:g}"


def _reverse(values: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    items = values.copy()
    for col in values.columns:
        it = inst.all_items()[col]
        if it.reverse:
            items[col] = it.min + it.max - values[col]
    return items


def _threshold(rule, k: int) -> int:
    """Items needed: an int count, or a share of k (at least that share: ceil(share * k))."""
    if isinstance(rule, float) and rule <= 1:
        return max(1, math.ceil(rule * k - 1e-12))
    return int(rule)


def _score_scale(items: pd.DataFrame, inst: Instrument, sc: Scale, min_valid):
    x = items[sc.items].to_numpy(dtype=float)
    k = x.shape[1]
    answered = ~np.isnan(x)
    nv = answered.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(nv > 0, np.nansum(x, axis=1) / np.maximum(nv, 1), np.nan)
    needed = _threshold(sc.min_valid if min_valid is None else min_valid, k)
    ok = nv >= max(needed, 1)
    mean = np.where(ok, mean, np.nan)
    if sc.scoring == "sum":
        value = mean * k
    elif sc.scoring == "pomp":
        lo = np.mean([inst.items[i].min for i in sc.items])
        hi = np.mean([inst.items[i].max for i in sc.items])
        value = 100.0 * (mean - lo) / (hi - lo)
    else:
        value = mean
    idx = items.index
    bad = ~ok
    log = pd.DataFrame({
        "row": idx[bad],
        "scale": sc.id,
        "n_valid": nv[bad],
        "needed": needed,
        "reason": [
            "no item answered" if n == 0 else f"only {n} of {k} items answered; the rule needs {needed}"
            for n in nv[bad]
        ],
    })
    return pd.Series(value, index=idx), pd.Series(nv, index=idx), log


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
        result = _careless.careless_flags(
            values[scored_items], scales=scales if len(scales) >= 2 else None, duration=duration
        )
        cflags = result.flags.add_prefix("careless_")
        flags = pd.concat([flags, cflags], axis=1)
    return flags, result


def _reconcile(index, scores: pd.DataFrame, items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    n_scored = scores.notna().sum(axis=1)
    n_answered = items.notna().sum(axis=1)
    total = scores.shape[1]
    status = np.where(n_scored == total, "scored", np.where(n_scored > 0, "partial", "excluded"))
    reason = np.where(
        n_scored == total,
        "",
        np.where(
            n_answered == 0,
            "no item answered",
            np.where(
                n_scored == 0,
                "too few items answered on every scale (minimum-valid rule)",
                "some scales below the minimum-valid rule",
            ),
        ),
    )
    return pd.DataFrame(
        {"status": status, "reason": reason, "n_items_answered": n_answered, "n_scales_scored": n_scored},
        index=index,
    )
