"""Difference-in-differences for a coaching rollout (H10): 2x2 DiD, TWFE event study, Callaway & Sant'Anna.

* :func:`did_2x2`: ``y = b0 + b1 treated + b2 post + b3 treated*post``, ATT = b3, classical or CR1
  cluster-robust SEs ``V = G/(G-1) (N-1)/(N-K) (X'X)^-1 (sum_g X_g'e_g e_g'X_g) (X'X)^-1`` (Stata,
  ``sandwich::vcovCL(type = "HC1")``), t tests with N - K (classical) or G - 1 (clustered) df. Checked
  against R ``lm`` and the CR1 sandwich in base-R matrix algebra (``tests/reference/did.R``).
* :func:`event_study`: two-way fixed effects with leads and lags of the relative time ``t - g``
  (reference period -1 omitted, endpoints binned), CR1 SEs clustered on unit; :meth:`EventStudyResult.svg`
  draws the coefficients with their CIs. Checked against ``lm`` with unit and time factors (did.R).
* :func:`callaway_santanna`: group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna
  (2021) under unconditional parallel trends (no covariates: the simple DiD of means), with never-treated
  or not-yet-treated controls, a "varying" base period for pre-periods (as R ``did``'s default),
  aggregations (simple, dynamic/event time, group) including the estimated-weights term of their
  influence functions, inference by the multiplier bootstrap on the unit-level influence functions
  (Mammen weights, SE = IQR / (z_.75 - z_.25) as ``did``), and a Wald pre-trend test of the
  pre-period ATT(g, t) = 0 with the bootstrap covariance. R's ``did`` is not installed here: the ATT(g, t)
  are checked against base-R means (did.R) and the inference against simulations with known effects.
* :func:`twfe_static`: the static TWFE DiD coefficient, biased under staggered adoption with
  heterogeneous effects (Goodman-Bacon 2021) - kept for comparison.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from ..errors import EngageSurveyError
from ._data import check_columns, check_frame, check_int, check_level, fmt_table

_IQR_Z = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)


def _ols_cr1(X: np.ndarray, yv: np.ndarray, codes: np.ndarray | None):
    """Coefficients, vcov (classical, or CR1 over cluster codes) and the t-test df."""
    N, K = X.shape
    XtX_inv = np.linalg.pinv(X.T @ X)
    b = XtX_inv @ (X.T @ yv)
    e = yv - X @ b
    rank = np.linalg.matrix_rank(X)
    if codes is None:
        vc = XtX_inv * (e @ e / (N - rank))
        return b, vc, N - rank
    G = int(codes.max()) + 1
    S = np.zeros((G, K))
    np.add.at(S, codes, X * e[:, None])
    vc = G / (G - 1) * (N - 1) / (N - rank) * XtX_inv @ (S.T @ S) @ XtX_inv
    return b, vc, G - 1


def _table(names, est, se, df, level):
    t = est / se
    p = 2 * stats.t.sf(np.abs(t), df) if np.isfinite(df) else 2 * stats.norm.sf(np.abs(t))
    q = stats.t.ppf(0.5 + level / 2, df) if np.isfinite(df) else stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame({"est": est, "se": se, "t": t, "pvalue": p, "ci_lower": est - q * se,
                         "ci_upper": est + q * se}, index=pd.Index(names, name="term"))


def _num(data, col):
    s = data[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    v = pd.to_numeric(s, errors="coerce")
    bad = s[v.isna() & s.notna()]
    if len(bad):
        raise EngageSurveyError(f"column {col!r} is not numeric (row {bad.index[0]!r}, value {bad.iloc[0]!r})")
    return v.astype(float)


@dataclass(repr=False)
class DiDResult(ResultMixin):
    """:func:`did_2x2`: ``.att`` (the interaction) with ``.se`` ``.ci`` ``.pvalue``; ``.table`` all terms."""

    att: float
    se: float
    ci: tuple
    pvalue: float
    df: float
    n: int
    n_clusters: float
    table: pd.DataFrame
    cluster: str | None = None

    def __repr__(self):
        return f"DiDResult(att={self.att:.4f}, se={self.se:.4f})"

    def to_frame(self):
        return self.table.copy()

    def summary(self):
        se = f"CR1 clustered on {self.cluster!r} ({self.n_clusters:g} clusters)" if self.cluster else "classical"
        return (f"2x2 difference-in-differences: ATT = {self.att:.4f} (SE {self.se:.4f}, {se}), "
                f"95% CI [{self.ci[0]:.4f}, {self.ci[1]:.4f}], p = {self.pvalue:.4g}, n = {self.n}\n\n"
                + fmt_table(self.table))


def did_2x2(data, y, treated, post, *, cluster=None, ci=0.95) -> DiDResult:
    """2x2 DiD by OLS: ``y ~ treated + post + treated:post``; the ATT is the interaction.

    ``treated`` and ``post`` are 0/1 (or boolean) columns. ``cluster``: a column of cluster ids (e.g. unit)
    for CR1 SEs with G - 1 df. Checked against R ``lm`` + a hand CR1 sandwich (tests/reference/did.R).
    """
    ci = check_level(ci)
    data = check_frame(data)
    cols = [y, treated, post] + ([cluster] if cluster else [])
    check_columns(data, cols)
    frame = pd.DataFrame({c: _num(data, c) for c in (y, treated, post)}, index=data.index)
    if cluster:
        frame["_cl"] = data[cluster]
    frame = frame.dropna()
    for c in (treated, post):
        vals = set(np.unique(frame[c]))
        if not vals <= {0.0, 1.0} or len(vals) < 2:
            raise EngageSurveyError(f"column {c!r} must be coded 0/1 with both values present, got "
                                    f"{sorted(vals)!r}")
    tr, po = frame[treated].to_numpy(), frame[post].to_numpy()
    X = np.column_stack([np.ones(len(frame)), tr, po, tr * po])
    if np.linalg.matrix_rank(X) < 4:
        raise EngageSurveyError("every treated x post cell needs observations for a 2x2 DiD")
    codes = pd.factorize(frame["_cl"])[0] if cluster else None
    if codes is not None and codes.max() < 1:
        raise EngageSurveyError(f"cluster column {cluster!r} has only one cluster")
    b, vc, df = _ols_cr1(X, frame[y].to_numpy(), codes)
    tab = _table(["Intercept", treated, post, f"{treated}:{post}"], b, np.sqrt(np.diag(vc)), df, ci)
    row = tab.iloc[3]
    return DiDResult(att=float(row.est), se=float(row.se), ci=(float(row.ci_lower), float(row.ci_upper)),
                     pvalue=float(row.pvalue), df=float(df), n=len(frame),
                     n_clusters=float(codes.max() + 1) if codes is not None else float("nan"), table=tab,
                     cluster=cluster)


# ----------------------------------------------------------------------------------- panel prep


def _panel(data, y, unit, time, first_treated, *, balanced):
    data = check_frame(data)
    check_columns(data, [y, unit, time, first_treated])
    df = pd.DataFrame({"y": _num(data, y), "unit": data[unit], "time": _num(data, time),
                       "g": _num(data, first_treated).fillna(0.0)})
    if df["unit"].isna().any() or df["time"].isna().any():
        raise EngageSurveyError(f"columns {unit!r} and {time!r} may not have missing values")
    df = df.dropna(subset=["y"])
    if df.duplicated(["unit", "time"]).any():
        dup = df[df.duplicated(["unit", "time"])].iloc[0]
        raise EngageSurveyError(f"unit {dup.unit!r} appears twice at {time} {dup.time:g}: one row per unit "
                                "and period")
    if (df.groupby("unit")["g"].nunique() > 1).any():
        raise EngageSurveyError(f"column {first_treated!r} must be constant within each unit")
    if balanced:
        n_t = df["time"].nunique()
        short = df.groupby("unit")["time"].size()
        if (short < n_t).any():
            raise EngageSurveyError(f"unit {short[short < n_t].index[0]!r} is missing periods: "
                                    "callaway_santanna needs a balanced panel")
    return df


@dataclass(repr=False)
class EventStudyResult(ResultMixin):
    """:func:`event_study`: ``.table`` indexed by relative time (est se t pvalue ci_lower ci_upper)."""

    table: pd.DataFrame
    n: int
    n_units: int
    reference: int
    title: str = "event study"

    def __repr__(self):
        return f"EventStudyResult({len(self.table)} relative periods, n={self.n})"

    def to_frame(self):
        return self.table.copy()

    def summary(self):
        return (f"{self.title}: coefficients relative to period {self.reference} (omitted); n = {self.n}, "
                f"units = {self.n_units}\n\n" + fmt_table(self.table))

    def svg(self, *, width=520, height=260, lang="en") -> str:
        """Coefficients with CI whiskers against relative time, as an inline SVG string."""
        return event_svg(self.table, reference=self.reference, width=width, height=height, lang=lang)


def event_study(data, y, unit, time, first_treated, *, leads=4, lags=4, reference=-1, ci=0.95) -> EventStudyResult:
    """TWFE event study: ``y_it = a_i + l_t + sum_e b_e 1{t - g_i = e} + u_it`` for treated units.

    Relative times below ``-leads`` / above ``lags`` are binned into the endpoints; ``reference`` is
    omitted; never-treated units (``first_treated`` 0 or missing) have no dummies. SEs: CR1 clustered on
    unit, t with G - 1 df. Checked against R ``lm(y ~ factor(unit) + factor(time) + dummies)`` with the
    same hand CR1 sandwich. Under staggered adoption with heterogeneous effects these coefficients mix
    groups (Sun & Abraham 2021): prefer :func:`callaway_santanna`'s dynamic aggregation.
    """
    ci = check_level(ci)
    leads, lags = check_int("leads", leads, 0), check_int("lags", lags, 0)
    df = _panel(data, y, unit, time, first_treated, balanced=False)
    treated = df["g"] > 0
    if not treated.any():
        raise EngageSurveyError(f"no treated units: {first_treated!r} is 0 or missing everywhere")
    rel = (df["time"] - df["g"]).clip(-leads, lags).where(treated)
    levels = [e for e in range(-leads, lags + 1) if e != reference and (rel == e).any()]
    ucode = pd.factorize(df["unit"])[0]
    tcode = pd.factorize(df["time"], sort=True)[0]
    U = np.eye(ucode.max() + 1)[ucode]
    T = np.eye(tcode.max() + 1)[tcode][:, 1:]
    D = np.column_stack([(rel == e).to_numpy(float) for e in levels])
    X = np.column_stack([D, U, T])
    b, vc, dfree = _ols_cr1(X, df["y"].to_numpy(), ucode)
    k = len(levels)
    tab = _table(levels, b[:k], np.sqrt(np.diag(vc)[:k]), dfree, ci)
    tab.index.name = "rel_time"
    return EventStudyResult(tab, n=len(df), n_units=int(ucode.max() + 1), reference=reference,
                            title="TWFE event study")


def twfe_static(data, y, unit, time, first_treated) -> float:
    """The static TWFE coefficient of ``D_it = 1{g_i > 0 and t >= g_i}`` with unit and time effects."""
    df = _panel(data, y, unit, time, first_treated, balanced=False)
    d = ((df["g"] > 0) & (df["time"] >= df["g"])).to_numpy(float)
    ucode = pd.factorize(df["unit"])[0]
    tcode = pd.factorize(df["time"], sort=True)[0]
    X = np.column_stack([d, np.eye(ucode.max() + 1)[ucode], np.eye(tcode.max() + 1)[tcode][:, 1:]])
    return float(_ols_cr1(X, df["y"].to_numpy(), None)[0][0])


def event_svg(table: pd.DataFrame, *, reference=-1, width=520, height=260, lang="en") -> str:
    """Hand-written SVG: points with CI whiskers, a zero line and a dashed line before treatment."""
    extra = [] if reference is None else [reference]
    x = np.array(list(table.index) + extra, dtype=float)
    est = np.append(table["est"].to_numpy(float), [0.0] * len(extra))
    lo = np.append(table["ci_lower"].to_numpy(float), [0.0] * len(extra))
    hi = np.append(table["ci_upper"].to_numpy(float), [0.0] * len(extra))
    cut = -0.5 if reference is None else reference + 0.5
    ymin, ymax = min(0.0, np.nanmin(lo)), max(0.0, np.nanmax(hi))
    pad = 0.08 * (ymax - ymin or 1.0)
    ymin, ymax = ymin - pad, ymax + pad
    L, R, Tm, B = 50, 15, 15, 35
    X0, X1 = x.min() - 0.5, x.max() + 0.5

    def sx(v):
        return L + (v - X0) / (X1 - X0) * (width - L - R)

    def sy(v):
        return Tm + (ymax - v) / (ymax - ymin) * (height - Tm - B)

    xl = {"en": "periods relative to treatment", "id": "periode relatif terhadap perlakuan"}.get(lang, "")
    yl = {"en": "effect", "id": "efek"}.get(lang, "")
    parts = [f'<line x1="{L}" x2="{width - R}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" stroke="#999"/>',
             (f'<line x1="{sx(cut):.1f}" x2="{sx(cut):.1f}" y1="{Tm}" '
              f'y2="{height - B}" stroke="#999" stroke-dasharray="4 3"/>')]
    for xi, e, a, c in zip(x, est, lo, hi):
        colour = "#3b6ea5" if xi < 0 else "#c0392b"
        parts.append(f'<line x1="{sx(xi):.1f}" x2="{sx(xi):.1f}" y1="{sy(a):.1f}" y2="{sy(c):.1f}" '
                     f'stroke="{colour}"/>')
        parts.append(f'<circle cx="{sx(xi):.1f}" cy="{sy(e):.1f}" r="3.5" fill="{colour}"><title>'
                     f'{xi:g}: {e:.3f} [{a:.3f}, {c:.3f}]</title></circle>')
        parts.append(f'<text x="{sx(xi):.1f}" y="{height - B + 14}" font-size="10" text-anchor="middle">'
                     f'{xi:g}</text>')
    for v in np.linspace(ymin + pad, ymax - pad, 5):
        parts.append(f'<text x="{L - 5}" y="{sy(v) + 3:.1f}" font-size="10" text-anchor="end">{v:.2f}</text>')
    parts.append(f'<text x="{(L + width - R) / 2:.0f}" y="{height - 5}" font-size="11" text-anchor="middle">'
                 f'{xl}</text>')
    parts.append(f'<text x="12" y="{(Tm + height - B) / 2:.0f}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 12 {(Tm + height - B) / 2:.0f})">{yl}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">' + "".join(parts) + "</svg>")


# ---------------------------------------------------------------------- Callaway & Sant'Anna (2021)


@dataclass(repr=False)
class CSResult(ResultMixin):
    """:func:`callaway_santanna`: ``.att_gt`` (g, t, att, se, ci_lower, ci_upper, pre), ``.overall``
    (simple aggregation: att se ci), ``.dynamic`` and ``.group`` DataFrames, ``.pretrend`` dict
    (wald, df, pvalue)."""

    att_gt: pd.DataFrame
    overall: dict
    dynamic: pd.DataFrame
    group: pd.DataFrame
    pretrend: dict
    n_units: int
    control: str
    n_boot: int
    influence: np.ndarray = field(default=None, repr=False)

    def __repr__(self):
        return f"CSResult(att={self.overall['att']:.4f}, se={self.overall['se']:.4f})"

    def to_frame(self):
        return self.att_gt.copy()

    def summary(self):
        o, p = self.overall, self.pretrend
        return (f"Callaway & Sant'Anna (2021) group-time ATT, {self.control} controls, {self.n_units} units, "
                f"multiplier bootstrap ({self.n_boot} draws)\n"
                f"Overall ATT (simple) = {o['att']:.4f} (SE {o['se']:.4f}), 95% CI [{o['ci'][0]:.4f}, "
                f"{o['ci'][1]:.4f}]\nPre-trend Wald test: chi2({p['df']}) = {p['wald']:.4f}, p = {p['pvalue']:.4g}"
                f"\n\nATT(g,t):\n{fmt_table(self.att_gt)}\n\nDynamic (event time):\n{fmt_table(self.dynamic)}")

    def svg(self, *, width=520, height=260, lang="en") -> str:
        tab = self.dynamic.rename(columns={"att": "est"})
        return event_svg(tab, reference=None, width=width, height=height, lang=lang)


def _mammen(rng, shape):
    s5 = np.sqrt(5.0)
    p = (s5 + 1) / (2 * s5)
    return np.where(rng.random(shape) < p, -(s5 - 1) / 2, (s5 + 1) / 2)


def callaway_santanna(data, y, unit, time, first_treated, *, control="never", anticipation=0, n_boot=1000,
                      seed=None, ci=0.95) -> CSResult:
    """Group-time ATTs for staggered adoption (Callaway & Sant'Anna 2021, unconditional parallel trends).

    For group g (first treated in period g) and period t, with base period ``b = g - 1 - anticipation``
    for t >= g (and ``b = t - 1``, the "varying" base, for pre-periods):
    ``ATT(g,t) = mean_{G=g}(Y_t - Y_b) - mean_{C}(Y_t - Y_b)``, C = never treated (``control="never"``) or
    also units not yet treated by ``max(t, b) + anticipation`` (``"notyet"``). The unit-level influence
    function ``psi_i = n/n_g 1{G_i=g}(dY_i - mean_g) - n/n_C 1{i in C}(dY_i - mean_C)`` drives the
    multiplier bootstrap ``ATT* = ATT + (1/n) sum_i V_i psi_i`` (Mammen V, clustered on unit since the
    panel has one row per unit and period). Aggregations weight ATT(g,t) by group shares (simple: post
    cells; dynamic: cells with t - g = e; group: equal weights over a group's post periods), adding the
    estimated-weights term to their influence functions as ``did::aggte``. ``first_treated``: 0 or
    missing = never treated; units treated in the first period are dropped (with a warning).
    """
    if control not in ("never", "notyet"):
        raise EngageSurveyError(f"control must be 'never' or 'notyet', got {control!r}")
    anticipation = check_int("anticipation", anticipation, 0)
    n_boot = check_int("n_boot", n_boot, 2)
    ci = check_level(ci)
    df = _panel(data, y, unit, time, first_treated, balanced=True)
    times = np.sort(df["time"].unique())
    first = df.groupby("unit")["g"].first()
    early = first[(first > 0) & (first <= times[0] + anticipation)]
    if len(early):
        warnings.warn(f"{len(early)} units treated in the first period(s) (no pre-period) were dropped")
        df = df[~df["unit"].isin(early.index)]
        first = first.drop(early.index)
    wide = df.pivot(index="unit", columns="time", values="y").loc[first.index, times]
    Y = wide.to_numpy(float)
    G = first.to_numpy(float)
    n = len(G)
    groups = np.sort(np.unique(G[G > 0]))
    if len(groups) == 0:
        raise EngageSurveyError(f"no treated units: {first_treated!r} is 0 or missing everywhere")
    if control == "never" and not (G == 0).any():
        raise EngageSurveyError("no never-treated units: use control='notyet'")
    tpos = {t: i for i, t in enumerate(times)}
    cells, psis = [], []
    for g in groups:
        for t in times[1:]:
            base = (g - 1 - anticipation) if t >= g - anticipation else times[tpos[t] - 1]
            if base not in tpos:
                continue
            dY = Y[:, tpos[t]] - Y[:, tpos[base]]
            treat = G == g
            if control == "never":
                ctrl = G == 0
            else:
                ctrl = (G == 0) | ((G > max(t, base) + anticipation) & (G != g))
            if ctrl.sum() < 1:
                continue
            mt, mc = dY[treat].mean(), dY[ctrl].mean()
            psi = n / treat.sum() * treat * (dY - mt) - n / ctrl.sum() * ctrl * (dY - mc)
            cells.append((g, t, mt - mc, t < g - anticipation))
            psis.append(psi)
    if not cells:
        raise EngageSurveyError("no group-time cell has a base period and a control group: too few periods "
                                f"before treatment (anticipation = {anticipation}) or no control units")
    Psi = np.column_stack(psis)
    att = np.array([c[2] for c in cells])
    rng = np.random.default_rng(seed)
    V = _mammen(rng, (n_boot, n))
    # aggregations as linear maps of (att, psi) with estimated weights
    cg = np.array([c[0] for c in cells])
    ct = np.array([c[1] for c in cells])
    pre = np.array([c[3] for c in cells])
    pg = {g: float(np.mean(G == g)) for g in groups}

    def agg(sel, weights="group"):
        idx = np.flatnonzero(sel)
        if weights == "equal":
            w = np.full(len(idx), 1 / len(idx))
            return float(att[idx] @ w), Psi[:, idx] @ w
        p = np.array([pg[g] for g in cg[idx]])
        S = p.sum()
        w = p / S
        Pm = np.column_stack([(G == g) - pg[g] for g in cg[idx]])
        wif = (Pm * S - p[None, :] * Pm.sum(axis=1, keepdims=True)) / S**2
        return float(att[idx] @ w), Psi[:, idx] @ w + wif @ att[idx]

    rows = [("simple", *agg(~pre))]
    etimes = sorted(set((ct - cg).astype(int)))
    for e in etimes:
        rows.append((f"e{e}", *agg((ct - cg) == e)))
    for g in groups:
        rows.append((f"g{g:g}", *agg((cg == g) & ~pre, "equal")))
    A = np.column_stack([r[2] for r in rows])
    IF = np.column_stack([Psi, A])
    boot = V @ IF / n                                   # (B, cells + aggregates): deviations ATT* - ATT
    q75, q25 = np.quantile(boot, [0.75, 0.25], axis=0)
    se = (q75 - q25) / _IQR_Z
    se = np.where(se > 0, se, np.nan)
    z = stats.norm.ppf(0.5 + ci / 2)
    k = len(att)
    att_gt = pd.DataFrame({"g": cg, "t": ct, "att": att, "se": se[:k], "ci_lower": att - z * se[:k],
                           "ci_upper": att + z * se[:k], "pre": pre})

    def frame(prefix, labels):
        out = []
        for j, r in enumerate(rows):
            if r[0].startswith(prefix) and r[0] != "simple":
                s = se[k + j]
                out.append({"key": labels(r[0]), "att": r[1], "se": s, "ci_lower": r[1] - z * s,
                            "ci_upper": r[1] + z * s})
        return pd.DataFrame(out)

    dyn = frame("e", lambda s: int(s[1:])).set_index("key").rename_axis("event_time")
    grp = frame("g", lambda s: float(s[1:])).set_index("key").rename_axis("group")
    s0 = se[k]
    overall = {"att": rows[0][1], "se": float(s0), "ci": (float(rows[0][1] - z * s0), float(rows[0][1] + z * s0))}
    if pre.any():
        th = att[pre]
        cov = np.cov(boot[:, :k][:, pre], rowvar=False).reshape(pre.sum(), pre.sum())
        wald = float(th @ np.linalg.pinv(cov) @ th)
        dfw = int(np.linalg.matrix_rank(cov))
        pretrend = {"wald": wald, "df": dfw, "pvalue": float(stats.chi2.sf(wald, dfw))}
    else:
        pretrend = {"wald": float("nan"), "df": 0, "pvalue": float("nan")}
    return CSResult(att_gt=att_gt, overall=overall, dynamic=dyn, group=grp, pretrend=pretrend, n_units=n,
                    control=control, n_boot=n_boot, influence=Psi)
