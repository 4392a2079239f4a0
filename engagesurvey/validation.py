"""Validating an instrument on data: reliability and EFA per scale, CFA of its structure, invariance.

``validate`` runs, for every top-level scale of an instrument, on the reverse-keyed item answers:
alpha with its CI and item statistics (``reliability.alpha``), omega (``reliability.omega``), KMO,
parallel analysis and an EFA with as many factors as the scale has subscales (``factor``), then a CFA of
the instrument's structure (subscales as correlated factors; a scale without subscales as one factor)
with fit measures, loadings, composite reliability/AVE and HTMT (``sem``), and, when a grouping column is
given, measurement invariance across its groups. Each step is the library's own function, checked
against R in its own tests; this module only chooses the models and collects the results.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import factor, reliability
from ._results import ResultMixin
from .errors import EngageSurveyError
from .instrument import Instrument, load_instrument
from .scoring import ScoreResult, score


@dataclass
class ScaleValidation(ResultMixin):
    """Reliability and EFA of one top-level scale."""

    scale: str
    items: list
    n_factors: int
    alpha: object
    omega: object | None
    kmo: object | None
    parallel: object | None
    efa: object | None
    notes: list = field(default_factory=list)
    total: bool = True
    subscales: dict = field(default_factory=dict)  # subscale id -> AlphaResult

    def to_frame(self) -> pd.DataFrame:
        return self.alpha.item_stats

    def summary(self) -> str:
        a = self.alpha
        lines = [f"Scale {self.scale} ({len(self.items)} items)"]
        if self.total:
            lines.append(f"  alpha {a.alpha:.3f} [{a.ci[0]:.3f}, {a.ci[1]:.3f}]  std.alpha {a.std_alpha:.3f}  "
                         f"G6 {a.g6:.3f}  average r {a.average_r:.3f}")
        for bid, ab in self.subscales.items():
            lines.append(f"    {bid}: alpha {ab.alpha:.3f} [{ab.ci[0]:.3f}, {ab.ci[1]:.3f}]")
        if self.omega is not None:
            lines.append(f"  omega total {self.omega.omega_total:.3f}  omega hierarchical "
                         f"{self.omega.omega_hierarchical:.3f}")
        if self.kmo is not None:
            lines.append(f"  KMO {self.kmo.overall:.3f}")
        if self.parallel is not None:
            lines.append(f"  parallel analysis: {self.parallel.n_factors:.0f} factors, "
                         f"{self.parallel.n_components:.0f} components")
        if self.efa is not None:
            fit = self.efa.fit
            lines.append(f"  EFA {self.n_factors} factor(s): RMSEA {fit.get('rmsea', np.nan):.3f}  "
                         f"TLI {fit.get('tli', np.nan):.3f}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


@dataclass
class ValidationReport(ResultMixin):
    """All validation results for one instrument."""

    instrument: Instrument
    scales: dict
    cfa_model: str
    cfa: object | None
    composite: pd.DataFrame | None
    htmt: pd.DataFrame | None
    invariance: object | None
    n: int
    notes: list = field(default_factory=list)
    n_cfa: int | None = None  # rows the CFA used (of n); its excluded rows and reasons in cfa.excluded
    n_invariance: int | None = None  # rows the invariance models used (missing group values also excluded)

    def fit_table(self) -> pd.DataFrame:
        """One row of CFA fit measures (and the invariance table's rows when run)."""
        keys = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr"]
        if self.cfa is None:
            return pd.DataFrame(columns=keys)
        return pd.DataFrame([{k: self.cfa.fit_measures.get(k, np.nan) for k in keys}], index=["cfa"])

    def to_frame(self) -> pd.DataFrame:
        """One row per scored scale and subscale: alpha with CI; omega, KMO and parallel analysis for
        the top-level scales. A scale scored only by its subscales (``total: false``, e.g. performance
        with its counterproductive part) shows no alpha for the whole."""
        rows = []
        for sid, sv in self.scales.items():
            a = sv.alpha
            rows.append({
                "scale": sid, "items": len(sv.items),
                "alpha": a.alpha if sv.total else np.nan,
                "alpha_ci_lower": a.ci[0] if sv.total else np.nan,
                "alpha_ci_upper": a.ci[1] if sv.total else np.nan,
                "omega_total": np.nan if sv.omega is None else sv.omega.omega_total,
                "omega_h": np.nan if sv.omega is None or not sv.total else sv.omega.omega_hierarchical,
                "kmo": np.nan if sv.kmo is None else sv.kmo.overall,
                "pa_factors": np.nan if sv.parallel is None else sv.parallel.n_factors,
            })
            for bid, ab in sv.subscales.items():
                rows.append({"scale": bid, "items": len(self.instrument.scales[bid].items), "alpha": ab.alpha,
                             "alpha_ci_lower": ab.ci[0], "alpha_ci_upper": ab.ci[1], "omega_total": np.nan,
                             "omega_h": np.nan, "kmo": np.nan, "pa_factors": np.nan})
        return pd.DataFrame(rows).set_index("scale")

    def summary(self) -> str:
        lines = [f"Validation of {self.instrument.id} v{self.instrument.version} (n = {self.n})"]
        for what, used, fit in (("CFA", self.n_cfa, self.cfa), ("invariance", self.n_invariance,
                                                                 _first_fit(self.invariance))):
            if used is not None:
                why = "; ".join(f"{k} {r}" for r, k in fit.excluded.items())
                lines.append(f"  {what}: used {used} of {self.n} rows" + (f" (excluded: {why})" if why else ""))
        lines.append("")
        for sv in self.scales.values():
            lines.append(sv.summary())
        lines += ["", "CFA model:", *("  " + ln for ln in self.cfa_model.splitlines())]
        if self.cfa is not None:
            lines += ["", self.fit_table().to_string(float_format=lambda v: f"{v:.3f}")]
        if self.composite is not None:
            lines += ["", "Composite reliability (omega) and AVE:",
                      self.composite.to_string(float_format=lambda v: f"{v:.3f}")]
        if self.htmt is not None:
            lines += ["", "HTMT:", self.htmt.to_string(float_format=lambda v: f"{v:.3f}")]
        if self.invariance is not None:
            lines += ["", "Measurement invariance:", self.invariance.summary()]
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def cfa_model(instrument, scales=None, *, first_order: bool = True) -> str:
    """lavaan syntax for an instrument's structure.

    Each subscale is a factor measured by its items; a top-level scale without subscales is one factor.
    (Subscale factors are left correlated; a second-order or bifactor model can be written by hand.)
    """
    inst = load_instrument(instrument)
    lines = []
    tops = [s for s in inst.scales.values() if s.parent is None and (scales is None or s.id in scales)]
    for sc in tops:
        groups = [inst.scales[b] for b in sc.subscales] or [sc]
        for g in groups:
            lines.append(f"{g.id} =~ " + " + ".join(g.items))
    return "\n".join(lines)


def _items_frame(data, inst: Instrument):
    if isinstance(data, ScoreResult):
        return data.items, data.meta
    result = score(data, inst, careless=False)
    return result.items, result.meta


def validate(data, instrument, *, group=None, scales=None, estimator: str = "ML", missing: str = "listwise",
             parallel_iter: int = 20, seed: int | None = 2026, invariance_levels=("configural", "metric",
                                                                                  "scalar", "strict")):
    """Validate an instrument on scored (or raw, readable) data; returns a :class:`ValidationReport`.

    ``data``: a ScoreResult, Responses, or a DataFrame of item codes. ``group``: a column (in the meta
    data of a ScoreResult/Responses, or in the frame) to test invariance across; rows with a missing
    group value are left out of the invariance models. ``missing`` ("listwise" or "fiml") is passed to
    the CFA and the invariance models. The report's ``n`` is the number of rows given, ``n_cfa`` and
    ``n_invariance`` the rows those models used (the excluded rows and reasons are in the notes and in
    ``cfa.excluded``).
    """
    inst = load_instrument(instrument)
    items, meta = _items_frame(data, inst)
    tops = [s for s in inst.scales.values() if s.parent is None and (scales is None or s.id in scales)]
    if not tops:
        raise EngageSurveyError(f"instrument {inst.id!r} has no scales to validate")
    results = {}
    for sc in tops:
        results[sc.id] = _validate_scale(items, inst, sc, parallel_iter, seed)
    model = cfa_model(inst, [s.id for s in tops])
    used = [i for s in tops for i in s.items]
    notes, fit, comp, ht, inv = [], None, None, None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = _cfa(model, items[used], estimator, missing)
            comp = reliability.composite(fit)
            ht = reliability.htmt(items[used], model) if model.count("=~") > 1 else None
        except EngageSurveyError as exc:
            notes.append(f"CFA not estimated: {exc}")
        if group is not None and fit is not None:
            gcol = meta[group] if group in meta.columns else None
            if gcol is None:
                raise EngageSurveyError(f"group column {group!r} is not in the data")
            gname = group if group not in used else f"{group}_group"
            labels = gcol.astype(str).where(gcol.notna(), None)  # a missing group stays missing (excluded)
            frame = items[used].assign(**{gname: labels.to_numpy(dtype=object)})
            try:
                from .sem import invariance as _inv

                inv = _inv(model, frame, gname, levels=invariance_levels, estimator=estimator, missing=missing)
            except EngageSurveyError as exc:
                notes.append(f"invariance not estimated: {exc}")
    notes.extend(sorted({str(w.message) for w in caught}))
    inv_fit = _first_fit(inv)
    return ValidationReport(instrument=inst, scales=results, cfa_model=model, cfa=fit, composite=comp,
                            htmt=ht, invariance=inv, n=len(items), notes=notes,
                            n_cfa=None if fit is None else sum(fit.nobs.values()),
                            n_invariance=None if inv_fit is None else sum(inv_fit.nobs.values()))


def _first_fit(inv):
    """The first (configural) fit of an invariance result, or None."""
    return None if inv is None else next(iter(inv.fits.values()), None)


def _cfa(model, frame, estimator, missing):
    """The CFA of ``frame`` (cfa counts, reports and warns about the rows it leaves out)."""
    from .sem import cfa

    return cfa(model, frame, estimator=estimator, missing=missing)


def _validate_scale(items: pd.DataFrame, inst: Instrument, sc, parallel_iter, seed) -> ScaleValidation:
    cols = sc.items
    x = items[cols]
    k = max(len(sc.subscales), 1)
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a = reliability.alpha(x)
        om = kmo = pa = fa = None
        try:
            om = reliability.omega(x, n_factors=k) if k >= 2 else None
        except EngageSurveyError as exc:
            notes.append(f"omega not estimated: {exc}")
        try:
            kmo = factor.kmo(x)
            pa = factor.parallel_analysis(x, n_iter=parallel_iter, seed=seed)
            fa = factor.efa(x, k, rotation="oblimin" if k > 1 else None)
        except EngageSurveyError as exc:
            notes.append(f"EFA not estimated: {exc}")
        subs = {b: reliability.alpha(items[inst.scales[b].items]) for b in sc.subscales}
    notes.extend(sorted({str(w.message) for w in caught}))
    return ScaleValidation(scale=sc.id, items=list(cols), n_factors=k, alpha=a, omega=om, kmo=kmo,
                           parallel=pa, efa=fa, notes=notes, total=sc.total, subscales=subs)
