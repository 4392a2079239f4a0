"""Result objects of the SEM engine: :class:`SEMResult` and :class:`InvarianceResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._results import ResultMixin

_SECTIONS = (("=~", "Latent Variables"), ("~", "Regressions"), ("~~cov", "Covariances"),
             ("~1", "Intercepts"), ("|", "Thresholds"), ("~~var", "Variances"), ("~*~", "Scales y*"),
             (":=", "Defined Parameters"))


def _fmt(v, w=9, d=3):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return " " * w
    return f"{v:{w}.{d}f}"


@dataclass
class SEMResult(ResultMixin):
    """A fitted structural equation model (lavaan-style).

    ``estimates``: one row per parameter (lhs op rhs group est se z pvalue ci_lower ci_upper std_lv
    std_all); ``fit_measures``: dict of lavaan's ``fitMeasures`` (snake_case); ``modindices()`` gives
    lavaan's modification indices. ``nobs``: rows used per group; ``ntotal``: rows of the data given
    (None when fitted from moments/``sample_cov``) and ``excluded``: {reason: rows not used} (lavaan's
    "Used / Total").
    """

    estimates: pd.DataFrame
    fit_measures: dict
    estimator: str
    nobs: dict
    converged: bool
    iterations: int
    vcov: pd.DataFrame
    partable: pd.DataFrame = field(repr=False)
    model: str = ""
    ntotal: int | None = None
    excluded: dict = field(default_factory=dict)
    _engine: object = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.estimates.copy()

    def modindices(self, *, sort: bool = False, minimum_value: float = 0.0) -> pd.DataFrame:
        """Modification indices and expected parameter changes (lavaan's ``modindices()``)."""
        from ..errors import EngageSurveyError
        from .modindices import modindices

        if self.estimator == "WLSMV":
            raise EngageSurveyError("modification indices are not available for WLSMV fits yet")
        out = modindices(self._engine)
        out = out[out["mi"] >= minimum_value]
        if sort:
            out = out.sort_values("mi", ascending=False)
        return out.reset_index(drop=True)

    def summary(self) -> str:
        fm = self.fit_measures
        lines = [f"engagesurvey SEM (lavaan-compatible) ended normally after {self.iterations} iterations",
                 "", f"  Estimator{self.estimator:>47}",
                 f"  Number of model parameters{int(fm['npar']):>30}", ""]
        for g, n in self.nobs.items():
            label = "Number of observations" if g is None else f"Number of observations [{g}]"
            lines.append(f"  {label:<40}{n:>16}")
        if self.ntotal is not None:
            used = f"Used {sum(self.nobs.values())} / Total {self.ntotal}"
            lines.append(f"  {'Rows of the data':<26}{used:>30}")
            for reason, k in self.excluded.items():
                lines.append(f"    excluded: {k} {reason}")
        lines += ["", "Model Test User Model:", ""]
        lines.append(f"  Test statistic{fm['chisq']:>42.3f}")
        lines.append(f"  Degrees of freedom{int(fm['df']):>38}")
        lines.append(f"  P-value (Chi-square){fm['pvalue']:>36.3f}")
        if "chisq_scaled" in fm:
            lines.append(f"  Scaling correction factor{fm['chisq_scaling_factor']:>31.3f}")
            lines.append(f"  Test statistic (scaled){fm['chisq_scaled']:>33.3f}")
        lines += ["", f"  CFI{fm['cfi']:>53.3f}", f"  TLI{fm['tli']:>53.3f}",
                  f"  RMSEA{fm['rmsea']:>51.3f}", f"  SRMR{fm['srmr']:>52.3f}", "", "Parameter Estimates:", ""]
        est = self.estimates
        for g in pd.unique(est["group"]):
            sub = est if g is None else est[est["group"] == g]
            if g is not None:
                lines += [f"Group [{g}]:", ""]
            for key, title in _SECTIONS:
                if key == "~~cov":
                    rows = sub[(sub["op"] == "~~") & (sub["lhs"] != sub["rhs"])]
                elif key == "~~var":
                    rows = sub[(sub["op"] == "~~") & (sub["lhs"] == sub["rhs"])]
                else:
                    rows = sub[sub["op"] == key]
                if rows.empty:
                    continue
                lines.append(f"{title}:")
                lines.append(f"{'':20}{'Estimate':>9}{'Std.Err':>9}{'z-value':>9}{'P(>|z|)':>9}"
                             f"{'Std.lv':>9}{'Std.all':>9}")
                last = None
                for r in rows.itertuples(index=False):
                    if key in ("=~", "~", "~~cov") and r.lhs != last:
                        lines.append(f"  {r.lhs} {r.op if key != '~~cov' else '~~'}")
                        last = r.lhs
                    name = r.rhs if key in ("=~", "~", "~~cov") else (f"{r.lhs}|{r.rhs}" if key == "|" else r.lhs)
                    name = ("  " if key in ("=~", "~", "~~cov") else "") + name
                    lines.append(f"    {name:<16}{_fmt(r.est)}{_fmt(r.se)}{_fmt(r.z)}{_fmt(r.pvalue)}"
                                 f"{_fmt(r.std_lv)}{_fmt(r.std_all)}")
                lines.append("")
        return "\n".join(lines)


@dataclass
class InvarianceResult(ResultMixin):
    """Nested invariance models (configural, metric, scalar, strict) with difference tests.

    ``table``: indexed by level, columns chisq df cfi tli rmsea srmr delta_chisq delta_df p_value
    delta_cfi delta_rmsea (plus chisq_scaled cfi_robust rmsea_robust for MLR) and ``verdict``:
    "holds" when delta CFI >= -.01 and delta RMSEA <= .015 (Chen 2007), else "not supported".
    """

    table: pd.DataFrame
    fits: dict
    estimator: str
    group: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        cols = [c for c in ("chisq", "df", "cfi", "rmsea", "srmr", "delta_chisq", "delta_df", "p_value",
                            "delta_cfi", "delta_rmsea") if c in self.table]
        head = f"Measurement invariance across {self.group!r} ({self.estimator})\n\n"
        body = self.table[cols + ["verdict"]].to_string(float_format=lambda v: f"{v:.3f}")
        return head + body + "\n\nCut-offs: delta CFI >= -0.010 and delta RMSEA <= 0.015 (Chen 2007)."
