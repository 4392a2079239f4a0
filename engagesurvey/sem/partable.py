"""The parameter table: parsed formulas plus lavaan's default parameters.

Mirrors ``lavaan::lavaanify`` (lavaan 0.6-14) with the ``cfa()``/``sem()`` defaults: ``auto.fix.first``
(first loading of each factor fixed to 1, unless ``std_lv``), ``auto.var`` (residual variances of every
observed and latent variable), ``auto.cov.lv.x`` (covariances among exogenous latent variables),
``auto.cov.y`` (residual covariances among pure dependent variables), ``fixed.x`` (variances,
covariances and means of exogenous observed covariates fixed at their sample values), intercepts of the
observed variables when there is a mean structure (latent means fixed to 0, freed in groups 2+ when
intercepts are held equal) and ``group.equal`` as shared labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelSyntaxError
from .syntax import Formula, parse_model

GROUP_EQUAL = ("loadings", "intercepts", "means", "residuals", "residual.covariances", "lv.variances",
               "lv.covariances", "regressions", "thresholds")


class Names:
    """Variable roles of a model (lavaan's lavNames)."""

    def __init__(self, formulas: list[Formula]):
        self.lv = []
        for f in formulas:
            if f.op == "=~" and f.lhs not in self.lv:
                self.lv.append(f.lhs)
        self.ov = []
        for f in formulas:
            if f.op in (":=", "=="):
                continue
            for v in (f.lhs, f.rhs):
                if v and v not in self.lv and v not in self.ov:
                    self.ov.append(v)
        reg = [f for f in formulas if f.op == "~"]
        ind = {f.rhs for f in formulas if f.op == "=~"}
        self.dependent = {f.lhs for f in reg} | {v for v in ind if v in self.lv}
        predictors = {f.rhs for f in reg}
        self.ov_x = [v for v in self.ov if v in predictors and v not in self.dependent and v not in ind]
        self.ov_y = [v for v in self.ov if v in {f.lhs for f in reg} and v not in predictors]
        self.lv_x = [v for v in self.lv if v not in self.dependent]
        self.lv_y = [v for v in self.lv if v in {f.lhs for f in reg} and v not in predictors]
        # observed variables in the structural part get a phantom latent (lavaan's LISREL trick)
        dummy = {v for f in reg for v in (f.lhs, f.rhs) if v in self.ov}
        changed = True
        while changed:
            changed = False
            for f in formulas:
                if f.op == "~~" and f.lhs != f.rhs and f.lhs in self.ov and f.rhs in self.ov:
                    if (f.lhs in dummy) != (f.rhs in dummy):
                        dummy |= {f.lhs, f.rhs}
                        changed = True
                if f.op == "~~" and ((f.lhs in self.lv and f.rhs in self.ov) or (f.rhs in self.lv and f.lhs in self.ov)):
                    o = f.rhs if f.lhs in self.lv else f.lhs
                    if o not in dummy:
                        dummy.add(o)
                        changed = True
        self.dummy = [v for v in self.ov if v in dummy]
        self.all_lv = self.lv + self.dummy


def build_partable(formulas: list[Formula] | str, *, ngroups: int = 1, std_lv: bool = False,
                   meanstructure: bool = False, group_equal=(), fixed_x: bool = True,
                   sample_cov: list | None = None, sample_mean: list | None = None,
                   ov_order: list | None = None) -> tuple[pd.DataFrame, Names]:
    """Parameter table (one row per parameter and group) with lavaan's defaults added.

    ``sample_cov``/``sample_mean``: per group, the N-denominator covariance (ndarray, ``ov_order``
    order) and means used to fix the exogenous covariates (fixed.x).
    """
    if isinstance(formulas, str):
        formulas = parse_model(formulas)
    names = Names(formulas)
    unknown_eq = [g for g in group_equal if g not in GROUP_EQUAL]
    if unknown_eq:
        raise ModelSyntaxError(f"unknown group_equal entry {unknown_eq[0]!r}; use {', '.join(GROUP_EQUAL)}")
    rows: list[dict] = []
    seen: set = set()

    def key(lhs, op, rhs, g):
        if op == "~~" and rhs < lhs:
            lhs, rhs = rhs, lhs
        return (lhs, op, rhs, g)

    def add(lhs, op, rhs, g, *, free=True, value=np.nan, label="", user=0, start=np.nan, exo=0, line=0):
        k = key(lhs, op, rhs, g)
        if k in seen:
            return False
        seen.add(k)
        rows.append(dict(lhs=lhs, op=op, rhs=rhs, group=g, free=bool(free), ustart=value, label=label,
                         user=user, start=start, exo=exo, line=line))
        return True

    def pick(lst, g):
        if lst is None:
            return None
        if len(lst) == 1:
            return lst[0]
        if len(lst) != ngroups:
            raise ModelSyntaxError(f"c(...) has {len(lst)} values but the model has {ngroups} groups")
        return lst[g - 1]

    first_ind = {}
    for f in formulas:
        if f.op == "=~" and f.lhs not in first_ind:
            first_ind[f.lhs] = f.rhs
    ov_idx = {v: i for i, v in enumerate(ov_order or [])}
    for g in range(1, ngroups + 1):
        for f in formulas:
            if f.op in (":=", "=="):
                continue
            fixed, label, start = pick(f.fixed, g), pick(f.label, g), pick(f.start, g)
            free = fixed is None
            value = np.nan if fixed is None else fixed
            if (f.op == "=~" and not std_lv and first_ind[f.lhs] == f.rhs and f.fixed is None
                    and not f.free_forced):
                free, value = False, 1.0
            if f.op == "~1" and f.lhs in names.ov_x and fixed_x and fixed is None:
                free = False
            if f.op == "~~" and f.lhs in names.ov_x and f.rhs in names.ov_x and fixed_x and fixed is None:
                free = False
            exo = int(f.lhs in names.ov_x and f.rhs in names.ov_x and fixed_x)
            if not add(f.lhs, f.op, f.rhs, g, free=free, value=value, label=label or "", user=1,
                       start=np.nan if start is None else start, exo=exo, line=f.line):
                raise ModelSyntaxError(f"line {f.line}: parameter {f.lhs} {f.op} {f.rhs} is specified twice")
        # residual variances of observed variables
        for v in names.ov:
            if v in names.ov_x and fixed_x:
                add(v, "~~", v, g, free=False, exo=1)
            else:
                add(v, "~~", v, g)
        for v in names.lv:
            if std_lv:
                add(v, "~~", v, g, free=False, value=1.0)
            else:
                add(v, "~~", v, g)
        for i, a in enumerate(names.lv_x):
            for b in names.lv_x[i + 1:]:
                add(a, "~~", b, g)
        ys = names.lv_y + names.ov_y
        for i, a in enumerate(ys):
            for b in ys[i + 1:]:
                add(a, "~~", b, g)
        if fixed_x:
            for i, a in enumerate(names.ov_x):
                for b in names.ov_x[i + 1:]:
                    add(a, "~~", b, g, free=False, exo=1)
        if meanstructure:
            for v in names.ov:
                exo = v in names.ov_x and fixed_x
                add(v, "~1", "", g, free=not exo, exo=int(exo))
            for v in names.lv:
                free_mean = g > 1 and "intercepts" in group_equal and "means" not in group_equal
                add(v, "~1", "", g, free=free_mean, value=np.nan if free_mean else 0.0)
    pt = pd.DataFrame(rows)
    # fixed.x values from the sample
    if fixed_x and names.ov_x and sample_cov is not None:
        for r in pt.index[pt["exo"] == 1]:
            g = int(pt.at[r, "group"]) - 1
            lhs, op, rhs = pt.at[r, "lhs"], pt.at[r, "op"], pt.at[r, "rhs"]
            if op == "~~":
                pt.at[r, "ustart"] = sample_cov[g][ov_idx[lhs], ov_idx[rhs]]
            elif op == "~1":
                pt.at[r, "ustart"] = sample_mean[g][ov_idx[lhs]]
    _group_equal_labels(pt, names, group_equal, ngroups)
    _equality_constraints(pt, formulas)
    _number_free(pt)
    return pt, names


def _group_equal_labels(pt: pd.DataFrame, names: Names, group_equal, ngroups: int) -> None:
    if ngroups < 2 or not group_equal:
        return
    ov, lv = set(names.ov), set(names.lv)

    def kind(lhs, op, rhs):
        if op == "=~":
            return "loadings"
        if op == "~":
            return "regressions"
        if op == "~1":
            return "intercepts" if lhs in ov else "means"
        if op == "~~":
            if lhs in ov and rhs in ov:
                return "residuals" if lhs == rhs else "residual.covariances"
            if lhs in lv and rhs in lv:
                return "lv.variances" if lhs == rhs else "lv.covariances"
        return None

    for i in pt.index[(pt["group"] == 1) & pt["free"]]:
        lhs, op, rhs = pt.at[i, "lhs"], pt.at[i, "op"], pt.at[i, "rhs"]
        if kind(lhs, op, rhs) not in group_equal:
            continue
        same = pt.index[(pt["lhs"] == lhs) & (pt["op"] == op) & (pt["rhs"] == rhs) & pt["free"]]
        if len(same) < 2:
            continue
        label = pt.at[i, "label"] or f".p{i + 1}."
        for j in same:
            if pt.at[j, "label"] == "" or j == i:
                pt.at[j, "label"] = label


def _equality_constraints(pt: pd.DataFrame, formulas: list[Formula]) -> None:
    """Simple ``a == b`` constraints between two labels become one shared label."""
    for f in formulas:
        if f.op != "==":
            continue
        labels = set(pt["label"])
        if f.lhs not in labels or f.rhs not in labels:
            raise ModelSyntaxError(f"line {f.line}: only constraints between two labels are supported, got "
                                   f"{f.lhs} == {f.rhs}")
        pt.loc[pt["label"] == f.rhs, "label"] = f.lhs


def _number_free(pt: pd.DataFrame) -> None:
    free_idx = np.zeros(len(pt), dtype=int)
    by_label: dict[str, int] = {}
    k = 0
    for pos, (is_free, label) in enumerate(zip(pt["free"], pt["label"])):
        if not is_free:
            continue
        if label and label in by_label:
            free_idx[pos] = by_label[label]
            continue
        k += 1
        free_idx[pos] = k
        if label:
            by_label[label] = k
    # a label on a fixed parameter makes every row with that label fixed (lavaan: same value)
    pt["free"] = free_idx
