"""Helpers shared by the tests/test_sem_*.py files: compare our estimates with lavaan's JSON rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _key(lhs, op, rhs, group):
    if op == "~~" and rhs < lhs:
        lhs, rhs = rhs, lhs
    return (lhs, op, rhs if op != "~1" else "", group)


def pe_diffs(estimates: pd.DataFrame, pe_rows: list, group_labels=None) -> dict:
    """Max abs difference per column between our estimates and lavaan's parameterEstimates rows."""
    ours = {}
    for r in estimates.itertuples(index=False):
        g = r.group
        if group_labels is not None and r.op != ":=":
            g = group_labels.index(g) + 1
        ours[_key(r.lhs, r.op, r.rhs, g if r.op != ":=" else None)] = r
    diffs = {c: 0.0 for c in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all")}
    matched = 0
    for row in pe_rows:
        if row["op"] in ("==",):
            continue
        g = row.get("group") if group_labels is not None else None
        if row["op"] == ":=":
            g = None
        k = _key(row["lhs"], row["op"], row["rhs"], g)
        assert k in ours, f"lavaan row {k} missing from our estimates"
        o = ours[k]
        matched += 1
        for ours_col, r_col in (("est", "est"), ("se", "se"), ("z", "z"), ("pvalue", "pvalue"),
                                ("ci_lower", "ci.lower"), ("ci_upper", "ci.upper"), ("std_lv", "std.lv"),
                                ("std_all", "std.all")):
            rv = row.get(r_col)
            if rv is None or rv == "NA" or (isinstance(rv, str)):
                continue
            ov = getattr(o, ours_col)
            if ours_col == "se" and rv == 0:
                ov = 0.0 if not np.isfinite(ov) else ov
            # absolute difference, relative for values above 1 in size (z, large variances)
            diffs[ours_col] = max(diffs[ours_col], abs(float(ov) - float(rv)) / max(1.0, abs(float(rv))))
    assert matched == len([r for r in pe_rows if r["op"] != "=="])
    assert len(estimates) == matched, f"we have {len(estimates)} rows, lavaan {matched}"
    return diffs


def r_name(key: str) -> str:
    """lavaan's fitMeasures name for one of our snake_case keys."""
    return key.replace("_", ".").replace("unrestricted.loglik", "unrestricted.logl").replace("loglik", "logl")


def fm_diffs(fm: dict, ref: dict, keys=None) -> dict:
    """Relative difference (absolute below 1) for every fit measure lavaan also reports."""
    keys = [k for k in fm if r_name(k) in ref] if keys is None else keys
    return {k: abs(fm[k] - ref[r_name(k)]) / max(1.0, abs(ref[r_name(k)])) for k in keys}
