"""Explanatory-sequential case selection: whom to interview after the survey.

:func:`select_cases` fits a random-intercept model of the outcome (engagement) with
:func:`engagesurvey.models.multilevel` (lme4-equivalent REML), ``outcome ~ C(stratum) + covariates +
(1 | group)``, and ranks the units (groups) by their empirical-Bayes (conditional-mode) residual u_j:
how far the unit sits above or below what its agency (and covariates) predict, after shrinkage towards 0
for small units. Within each stratum (agency) it picks

* **positive deviants**: the ``n_per_type`` units with the largest u_j > 0;
* **negative deviants**: the ``n_per_type`` units with the smallest u_j < 0;
* **typical cases**: ``n_per_type`` units drawn at random (seeded) among the third of the stratum's
  units (at least ``n_per_type``) whose |u_j| is smallest, i.e. units that behave as predicted.

Ties are broken by a seeded random order, so the frame is reproducible for a given ``seed``. u_j is
reported in outcome units and in SDs of the outcome (u_j / sqrt(tau^2 + sigma^2), the model-implied
total SD). Units with fewer than ``min_unit_size`` respondents are ranked but never selected.

Checked against ``lme4::lmer`` ``ranef`` (``tests/reference/qual_cases.R``).

References
----------
Creswell, J. W., & Plano Clark, V. L. (2018). Designing and conducting mixed methods research (3rd ed.).
Sage (explanatory sequential design, participant selection from quantitative results).
Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using lme4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._results import ResultMixin
from ..errors import EngageSurveyError
from ..safe import safe_frame
from ..models.multilevel import multilevel

TYPES = ("positive deviant", "negative deviant", "typical")


@dataclass(repr=False)
class CaseSelection(ResultMixin):
    """``.frame``: the interview sampling frame (stratum unit case_type eb_residual eb_sd rank n_units
    n_respondents reason); ``.units``: every unit with its empirical-Bayes residual and rank."""

    frame: pd.DataFrame
    units: pd.DataFrame
    formula: str
    icc: float
    sd_total: float
    seed: object
    notes: list = field(default_factory=list)

    def __repr__(self) -> str:
        return f"CaseSelection(selected={len(self.frame)}, units={len(self.units)}, icc={self.icc:.3f})"

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_csv(self, path) -> Path:
        """Write the sampling frame (no respondent ids) as UTF-8 CSV."""
        path = Path(path)
        safe_frame(self.frame).to_csv(path, index=False, encoding="utf-8")
        return path

    def summary(self) -> str:
        lines = [f"Interview sampling frame from {self.formula} (ICC {self.icc:.3f}, outcome SD "
                 f"{self.sd_total:.3f}, seed {self.seed})", ""]
        lines += [f"  {r.stratum} / {r.unit}: {r.reason}" for r in self.frame.itertuples()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def select_cases(scores: pd.DataFrame, outcome: str = "we", group: str = "unit", stratum="agency", *,
                 n_per_type: int = 2, seed=None, covariates=(), adjust_stratum: bool = True,
                 min_unit_size: int = 5, out=None) -> CaseSelection:
    """Choose units to interview from a random-intercept model of ``outcome``.

    Parameters
    ----------
    scores : DataFrame, one row per respondent: ``outcome``, ``group``, ``stratum`` (and covariates)
    outcome, group : columns of the outcome score and the unit (level-2) id
    stratum : column of the stratum (agency) or None for one stratum
    n_per_type : units per type (positive deviant, negative deviant, typical) per stratum
    seed : seed for tie-breaks and the draw of typical cases
    covariates : respondent-level columns added to the fixed part
    adjust_stratum : include the stratum as fixed effect (deviance from the agency's own level)
    min_unit_size : units with fewer respondents are never selected
    out : optional CSV path for the sampling frame

    Returns
    -------
    CaseSelection
    """
    if not isinstance(scores, pd.DataFrame):
        raise EngageSurveyError("select_cases: scores must be a DataFrame with one row per respondent")
    if isinstance(n_per_type, bool) or not isinstance(n_per_type, (int, np.integer)) or n_per_type < 1:
        raise EngageSurveyError(f"select_cases: n_per_type must be a whole number >= 1, got {n_per_type!r}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    need = [outcome, group, *([stratum] if stratum else []), *covariates]
    twice = [c for c in dict.fromkeys(need) if need.count(c) > 1]
    if twice:
        raise EngageSurveyError(f"select_cases: column {twice[0]!r} is given for two roles (outcome, group, "
                                "stratum, covariates must be different columns)")
    for c in need:
        if c not in scores.columns:
            raise EngageSurveyError(f"select_cases: column {c!r} not found")
    data = scores[need].dropna().copy()
    dropped = len(scores) - len(data)
    if stratum is None:
        data["_stratum"] = "all"
        stratum_col = "_stratum"
    else:
        stratum_col = stratum
    per_unit = data.groupby(group)[stratum_col].nunique()
    if (per_unit > 1).any():
        u = per_unit.index[per_unit > 1][0]
        raise EngageSurveyError(f"select_cases: unit {u!r} appears in more than one {stratum!r}")
    data["_grp"] = data[group].astype(str)
    data["_str"] = data[stratum_col].astype(str)
    terms = (["C(_str)"] if adjust_stratum and stratum and data["_str"].nunique() > 1 else []) + covariates
    formula = f"{outcome} ~ {' + '.join(terms) if terms else '1'}"
    fit = multilevel(data, formula, "_grp")
    sd_total = math.sqrt(fit.variance["group"] + fit.variance["residual"])
    eb = fit.ranef["Intercept"]
    units = data.groupby("_grp").agg(stratum=("_str", "first"), n_respondents=(outcome, "size"),
                                     mean=(outcome, "mean"))
    units["eb_residual"] = eb.reindex(units.index).to_numpy()
    units["eb_sd"] = units["eb_residual"] / sd_total
    rng = np.random.default_rng(seed)
    units["_tie"] = rng.permutation(len(units))
    units = units.sort_values(["stratum", "eb_residual", "_tie"], ascending=[True, False, True])
    units["rank"] = units.groupby("stratum").cumcount() + 1
    units["n_units"] = units.groupby("stratum")["rank"].transform("size")
    label = {str(v): v for v in scores[group].dropna().unique()}
    units.index = pd.Index([label.get(i, i) for i in units.index], name=group)
    units = units.rename_axis(group)
    notes = [] if not dropped else [f"{dropped} respondent row(s) with a missing {', '.join(need)} value "
                                    "left out of the model"]
    rows = []
    for s, u in units.groupby("stratum", sort=True):
        eligible = u[u["n_respondents"] >= min_unit_size]
        taken = set()
        pos = eligible[eligible["eb_residual"] > 0].head(n_per_type)
        neg = eligible[eligible["eb_residual"] < 0].iloc[::-1].head(n_per_type)
        taken |= set(pos.index) | set(neg.index)
        rest = eligible[~eligible.index.isin(taken)]
        k = max(n_per_type, math.ceil(len(eligible) / 3))
        near = rest.iloc[np.argsort(np.abs(rest["eb_residual"].to_numpy()), kind="stable")[:k]]
        typ = near.iloc[np.sort(rng.choice(len(near), size=min(n_per_type, len(near)), replace=False))] \
            if len(near) else near
        for kind, chosen in zip(TYPES, (pos, neg, typ)):
            if len(chosen) < n_per_type:
                notes.append(f"{stratum or 'sample'} {s}: only {len(chosen)} {kind} unit(s) available "
                             f"(asked for {n_per_type})")
            for uid, r in chosen.iterrows():
                rows.append(_row(s, uid, kind, r, outcome, stratum))
    frame = pd.DataFrame(rows, columns=["stratum", "unit", "case_type", "eb_residual", "eb_sd", "rank",
                                        "n_units", "n_respondents", "reason"])
    shown = formula.replace("C(_str)", str(stratum))
    res = CaseSelection(frame=frame, units=units.drop(columns="_tie"), formula=f"{shown} + (1 | {group})",
                        icc=fit.icc, sd_total=sd_total, seed=seed, notes=notes)
    if out is not None:
        res.to_csv(out)
    return res


def _row(s, uid, kind, r, outcome, stratum):
    where = f"in {stratum} {s}" if stratum else "in the sample"
    if kind == "typical":
        how = f"{abs(r['eb_sd']):.2f} SD from prediction"
    else:
        how = f"{abs(r['eb_sd']):.2f} SD {'above' if r['eb_residual'] > 0 else 'below'} prediction"
    reason = (f"{kind}: unit {outcome} {how} (EB residual {r['eb_residual']:+.3f}), rank {int(r['rank'])} of "
              f"{int(r['n_units'])} {where}, {int(r['n_respondents'])} respondents")
    return (s, uid, kind, float(r["eb_residual"]), float(r["eb_sd"]), int(r["rank"]), int(r["n_units"]),
            int(r["n_respondents"]), reason)
