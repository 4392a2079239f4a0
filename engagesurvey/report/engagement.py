"""Engagement-survey statistics for the reports: engagement index, % favourable, distributions, heatmaps,
key drivers (relative weights) and wave comparisons.

Every statistic by group goes through :mod:`engagesurvey.report.anonymity` (minimum group size and
complementary suppression). Nothing here prints or rounds. :func:`engagement_context` gathers the report
sections for ``reports/partials/engagement.html.j2``; :func:`render_engagement` renders them as a page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from ..errors import EngageSurveyError
from . import anonymity

MAX_RATING_POINTS = 11  # a numeric response range wider than this is not a rating (no top-2-box)


# --------------------------------------------------------------------------------------- helpers


def _scores_and_meta(obj, what: str = "scores"):
    """(scores, meta, instrument|None) from a ScoreResult or a DataFrame of scores (+ group columns)."""
    if isinstance(obj, pd.DataFrame):
        return obj, obj, None
    scores = getattr(obj, "scores", None)
    if not isinstance(scores, pd.DataFrame):
        raise EngageSurveyError(f"{what}: expected a ScoreResult or a DataFrame, got {type(obj).__name__}")
    meta = getattr(obj, "meta", None)
    return scores, meta if isinstance(meta, pd.DataFrame) else pd.DataFrame(index=scores.index), \
        getattr(obj, "instrument", None)


def _need_instrument(result, what):
    inst = getattr(result, "instrument", None)
    if inst is None or not hasattr(result, "items"):
        raise EngageSurveyError(f"{what} needs a ScoreResult (from engagesurvey.score), not a DataFrame")
    return inst


def _scale_range(inst, scale_id):
    sc = inst.scales[scale_id]
    lo = float(np.mean([inst.items[i].min for i in sc.items]))
    hi = float(np.mean([inst.items[i].max for i in sc.items]))
    if sc.scoring == "pomp":
        return 0.0, 100.0
    if sc.scoring == "sum":
        return lo * len(sc.items), hi * len(sc.items)
    return lo, hi


def item_codes(inst, item_id) -> np.ndarray | None:
    """The ordered answer codes of an item, or None when it has no rating scale (e.g. a percentage)."""
    it = inst.all_items()[item_id]
    rs = inst.response_scales[it.response_scale]
    if rs.options:
        return np.sort(np.asarray(rs.codes(), dtype=float))
    lo, hi = it.min, it.max
    if np.isfinite(lo) and np.isfinite(hi) and float(lo).is_integer() and float(hi).is_integer() \
            and 1 <= hi - lo <= MAX_RATING_POINTS - 1:
        return np.arange(lo, hi + 1, dtype=float)
    return None


# ------------------------------------------------------------------------------- engagement index


@dataclass
class EngagementIndex(ResultMixin):
    """Engagement index: the mean of the engagement scale as POMP (0-100), and the share engaged."""

    scale: str
    index: float
    sd: float
    n: int
    ci: tuple
    pct_engaged: float
    cut: float

    def summary(self) -> str:
        return (f"Engagement index ({self.scale}, POMP 0-100): {self.index:.2f} (SD {self.sd:.2f}, "
                f"n = {self.n}), 95% CI [{self.ci[0]:.2f}, {self.ci[1]:.2f}]\n"
                f"engaged (scale mean >= {self.cut:.3f}): {self.pct_engaged:.1f}%")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"scale": self.scale, "index": self.index, "sd": self.sd, "n": self.n,
                              "ci_lower": self.ci[0], "ci_upper": self.ci[1],
                              "pct_engaged": self.pct_engaged, "cut": self.cut}])


def engagement_index(result, scale: str = "we", *, cut=None, ci: float = 0.95) -> EngagementIndex:
    """Engagement index of a scored survey.

    ``index = mean(POMP)``, ``POMP = 100 (score - min) / (max - min)`` with the scale's response range;
    the CI is the t interval of that mean. ``pct_engaged`` is the percentage of respondents whose scale
    score is at least ``cut`` (default: two thirds up the range, ``min + 2/3 (max - min)``; on the 0-6
    UWES-style frequency scale that is 4, "often / once a week").

    Reference: POMP (Cohen, Cohen, Aiken & West 1999). Checked against a hand computation in R
    (``tests/reference/report_engagement.R``).
    """
    inst = _need_instrument(result, "engagement_index")
    if scale not in result.scores.columns or scale not in inst.scales:
        raise EngageSurveyError(f"engagement_index: scale {scale!r} is not a scored scale of {inst.id!r}")
    lo, hi = _scale_range(inst, scale)
    s = result.scores[scale].to_numpy(dtype=float)
    s = s[~np.isnan(s)]
    cut = lo + (hi - lo) * 2.0 / 3.0 if cut is None else float(cut)
    pomp = 100.0 * (s - lo) / (hi - lo)
    n = int(s.size)
    mean = float(pomp.mean()) if n else math.nan
    sd = float(pomp.std(ddof=1)) if n > 1 else math.nan
    half = stats.t.ppf(0.5 + ci / 2, n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
    pct = float(100.0 * np.mean(s >= cut - 1e-12)) if n else math.nan
    return EngagementIndex(scale=scale, index=mean, sd=sd, n=n, ci=(mean - half, mean + half),
                           pct_engaged=pct, cut=cut)


# ---------------------------------------------------------------------------- % favourable (top 2)


@dataclass
class FavourableResult(ResultMixin):
    """Top-2-box shares. ``items``: one row per item; ``scales``: pooled over the scale's answers."""

    items: pd.DataFrame
    scales: pd.DataFrame

    def summary(self) -> str:
        return ("% favourable (top-2-box), by scale\n" + self.scales.to_string(float_format="{:.1f}".format)
                + "\n\nby item\n" + self.items.to_string(float_format="{:.1f}".format))

    def to_frame(self) -> pd.DataFrame:
        return self.items


def favourable(result, *, scales=None) -> FavourableResult:
    """% favourable (top-2-box), neutral and unfavourable (bottom-2-box), per item and per scale.

    Favourable = one of the two highest answer codes of the item's response scale (agreement: agree and
    strongly agree; 0-6 frequency: 5 and 6), counted on the reverse-keyed values so a favourable answer
    always points the scale's way (for "higher is worse" scales such as counterproductive behaviour
    "favourable" means more of it). Percentages are of answered items; a scale pools the answers to
    its items. Items without a rating scale (percentages, free numbers) are left out.
    Checked against R (``tests/reference/report_engagement.R``).
    """
    inst = _need_instrument(result, "favourable")
    wanted = [s.id for s in inst.scored_scales()] if scales is None else list(scales)
    for s in wanted:
        if s not in inst.scales:
            raise EngageSurveyError(f"favourable: {s!r} is not a scale of {inst.id!r}")
    item_ids = list(dict.fromkeys(i for s in wanted for i in inst.scales[s].items))
    rows, fav_mask, unf_mask = [], {}, {}
    for iid in item_ids:
        codes = item_codes(inst, iid)
        if codes is None or iid not in result.items.columns or codes.size < 4:
            continue
        x = result.items[iid].to_numpy(dtype=float)
        ans = ~np.isnan(x)
        fav_mask[iid] = ans & (x >= codes[-2])
        unf_mask[iid] = ans & (x <= codes[1])
        n = int(ans.sum())
        f, u = fav_mask[iid].sum(), unf_mask[iid].sum()
        rows.append({"item": iid, "scale": inst.items[iid].subscale or inst.items[iid].scale, "n": n,
                     "favourable": 100.0 * f / n if n else math.nan,
                     "neutral": 100.0 * (n - f - u) / n if n else math.nan,
                     "unfavourable": 100.0 * u / n if n else math.nan})
    items = pd.DataFrame(rows, columns=["item", "scale", "n", "favourable", "neutral", "unfavourable"])
    srows = []
    for s in wanted:
        its = [i for i in inst.scales[s].items if i in fav_mask]
        if not its:
            continue
        n = int(items.set_index("item").loc[its, "n"].sum())
        f = int(sum(fav_mask[i].sum() for i in its))
        u = int(sum(unf_mask[i].sum() for i in its))
        srows.append({"scale": s, "n_answers": n, "favourable": 100.0 * f / n if n else math.nan,
                      "neutral": 100.0 * (n - f - u) / n if n else math.nan,
                      "unfavourable": 100.0 * u / n if n else math.nan})
    sc = pd.DataFrame(srows, columns=["scale", "n_answers", "favourable", "neutral", "unfavourable"])
    return FavourableResult(items=items.set_index("item"), scales=sc.set_index("scale"))


def distribution(result, *, scales=None, lang: str = "en") -> pd.DataFrame:
    """Answer distribution per item (long format): item, code, label, count, percent (of answered)."""
    inst = _need_instrument(result, "distribution")
    wanted = [s.id for s in inst.scored_scales()] if scales is None else list(scales)
    rows = []
    for iid in dict.fromkeys(i for s in wanted for i in inst.scales[s].items):
        codes = item_codes(inst, iid)
        if codes is None or iid not in result.items.columns:
            continue
        x = result.items[iid].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        counts = (x[:, None] == codes[None, :]).sum(axis=0)
        rs = inst.response_scales[inst.items[iid].response_scale]
        names = {o.code: o.label.get(lang, o.label.get("en", "")) for o in rs.options}
        for c, k in zip(codes, counts):
            rows.append({"item": iid, "code": float(c), "label": names.get(c, f"{c:g}"), "count": int(k),
                         "percent": 100.0 * k / x.size if x.size else math.nan})
    return pd.DataFrame(rows, columns=["item", "code", "label", "count", "percent"])


def heatmap(result, by=("agency", "unit"), *, scales=None, min_group: int = anonymity.DEFAULT_MIN_GROUP,
            total: bool = True) -> dict[str, pd.DataFrame]:
    """Mean scale scores by group (a table per level of ``by``), anonymity rules applied.

    ``by``: one group column or a hierarchy outermost first (``("agency", "unit")``). Uses
    :func:`engagesurvey.report.anonymity.breakdown`, so groups under ``min_group`` and the groups
    needed to protect them are removed.
    """
    scores, meta, inst = _scores_and_meta(result, "heatmap")
    by = [by] if isinstance(by, str) else list(by)
    for col in by:
        if col not in meta.columns:
            raise EngageSurveyError(f"heatmap: group column {col!r} is not in the data")
    if scales is None:
        scales = [s.id for s in inst.scored_scales() if s.parent is None] if inst is not None else \
            [c for c in scores.columns if c not in by and pd.api.types.is_numeric_dtype(scores[c])
             and str(c).lower() not in anonymity.ID_COLUMNS]
    missing = [s for s in scales if s not in scores.columns]
    if missing:
        raise EngageSurveyError(f"heatmap: scale {missing[0]!r} is not in the scores")
    return anonymity.breakdown(scores[list(scales)], meta[by], min_group=min_group, total=total)


# ---------------------------------------------------------------------------------- key drivers


@dataclass
class RelativeWeightsResult(ResultMixin):
    """Johnson's relative weights: ``table`` indexed by driver with raw_weight (sums to r2), rescaled
    (% of r2) and bootstrap percentile CIs for both."""

    outcome: str
    r2: float
    n: int
    table: pd.DataFrame
    n_boot: int
    ci: float
    seed: object = None
    boot: np.ndarray | None = field(default=None, repr=False)

    def summary(self) -> str:
        head = (f"Relative weights (Johnson 2000) for {self.outcome}: R2 = {self.r2:.4f}, n = {self.n}, "
                f"{self.n_boot} bootstrap draws, {100 * self.ci:g}% percentile CIs")
        return head + "\n" + self.table.to_string(float_format="{:.4f}".format)

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _rw_from_corr(corr: np.ndarray):
    """Raw relative weights for a stack of correlation matrices (..., p+1, p+1), outcome last."""
    rxx, rxy = corr[..., :-1, :-1], corr[..., :-1, -1]
    vals, vecs = np.linalg.eigh(rxx)
    ok = vals.min(axis=-1) > 1e-10
    vals = np.clip(vals, 1e-300, None)
    lam = (vecs * np.sqrt(vals)[..., None, :]) @ np.swapaxes(vecs, -1, -2)
    # beta = Lambda^-1 rxy = P D^-1/2 P' rxy
    beta = ((vecs / np.sqrt(vals)[..., None, :]) @ (np.swapaxes(vecs, -1, -2) @ rxy[..., None]))[..., 0]
    eps = ((lam**2) @ (beta**2)[..., None])[..., 0]
    return np.where(ok[..., None], eps, np.nan)


def relative_weights(data: pd.DataFrame, outcome: str, drivers, *, n_boot: int = 1000, ci: float = 0.95,
                     seed=None) -> RelativeWeightsResult:
    """Relative weights of ``drivers`` for ``outcome`` (Johnson 2000), with bootstrap CIs.

    With ``R_xx = P D P'`` (eigendecomposition of the drivers' correlation matrix),
    ``Lambda = P D^(1/2) P'`` (the correlations of the drivers with their closest orthogonal
    counterparts), ``beta = Lambda^-1 r_xy`` and ``eps_j = sum_k Lambda_jk^2 beta_k^2``; the raw weights
    sum to ``R^2 = r_xy' R_xx^-1 r_xy``; ``rescaled = 100 eps / R^2``. Complete cases only.

    Bootstrap: all ``n_boot`` resamples as one count matrix ``W`` (draws x rows, in blocks of rows when
    the data are large); correlation matrices for every draw at once with ``einsum``; a batched
    ``numpy.linalg.eigh`` over the stack; percentile CIs (R's quantile type 7). Seeded by ``seed``.

    Reference: Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. Multivariate Behavioral Research, 35, 1-19. Checked against the
    same algebra in R (``tests/reference/report_relweights.R``, ``eigen``): 1e-6.
    """
    drivers = list(drivers)
    if not drivers:
        raise EngageSurveyError("relative_weights: give at least one driver")
    cols = [*drivers, outcome]
    for c in cols:
        if c not in data.columns:
            raise EngageSurveyError(f"relative_weights: column {c!r} is not in the data")
    if outcome in drivers:
        raise EngageSurveyError(f"relative_weights: the outcome {outcome!r} is also listed as a driver")
    x = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    n, p = x.shape[0], len(drivers)
    if n < p + 3:
        raise EngageSurveyError(f"relative_weights: {n} complete rows are too few for {p} drivers")
    corr = np.corrcoef(x, rowvar=False)
    raw = _rw_from_corr(corr)
    if np.isnan(raw).any():
        raise EngageSurveyError("relative_weights: the drivers are collinear (their correlation matrix "
                                "is singular); drop one of them")
    r2 = float(raw.sum())
    table = pd.DataFrame({"raw_weight": raw, "rescaled": 100 * raw / r2}, index=pd.Index(drivers, name="driver"))
    boot = None
    if n_boot:
        boot = _bootstrap_weights(x, int(n_boot), seed)
        resc = 100 * boot / boot.sum(axis=1, keepdims=True)
        a = (1 - ci) / 2
        table["ci_lower"] = np.nanquantile(boot, a, axis=0)
        table["ci_upper"] = np.nanquantile(boot, 1 - a, axis=0)
        table["rescaled_ci_lower"] = np.nanquantile(resc, a, axis=0)
        table["rescaled_ci_upper"] = np.nanquantile(resc, 1 - a, axis=0)
    return RelativeWeightsResult(outcome=outcome, r2=r2, n=int(n), table=table, n_boot=int(n_boot),
                                 ci=ci, seed=seed, boot=boot)


def bootstrap_counts(rng, n_boot: int, n: int) -> np.ndarray:
    """Resampling counts (n_boot x n): row b says how often each row is drawn in resample b."""
    idx = rng.integers(0, n, size=(n_boot, n))
    flat = idx + (np.arange(n_boot) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=n_boot * n).reshape(n_boot, n)


def _bootstrap_weights(x: np.ndarray, n_boot: int, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    xc = x - x.mean(axis=0)
    block = max(1, int(4_000_000 // n))
    out = []
    for start in range(0, n_boot, block):  # blocks of draws only bound memory; each block is vectorised
        w = bootstrap_counts(rng, min(block, n_boot - start), n).astype(float)
        m = w @ xc / n
        cov = np.einsum("bn,ni,nj->bij", w, xc, xc, optimize=True) / n - m[:, :, None] * m[:, None, :]
        sd = np.sqrt(np.einsum("bii->bi", cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / (sd[:, :, None] * sd[:, None, :])
        bad = ~np.isfinite(corr).all(axis=(1, 2))
        corr[bad] = np.eye(corr.shape[1])
        eps = _rw_from_corr(corr)
        eps[bad] = np.nan
        out.append(eps)
    return np.concatenate(out, axis=0)


def key_drivers(result, outcome: str = "we", drivers=None, **kwargs) -> RelativeWeightsResult:
    """Relative weights of the top-level scales (default: every scored scale without a parent, except
    ``outcome``) for the engagement scale; see :func:`relative_weights` for the method."""
    scores, _, inst = _scores_and_meta(result, "key_drivers")
    if drivers is None:
        if inst is None:
            raise EngageSurveyError("key_drivers: name the drivers when passing a DataFrame")
        drivers = [s.id for s in inst.scored_scales() if s.parent is None and s.id != outcome
                   and s.id in scores.columns]
    return relative_weights(scores, outcome, drivers, **kwargs)


# ------------------------------------------------------------------------------ wave comparisons


@dataclass
class WaveComparison(ResultMixin):
    """Current minus previous wave: ``table`` with one row per (group,) scale."""

    table: pd.DataFrame
    group: str | None
    ci: float
    min_group: int

    def summary(self) -> str:
        head = f"Change since the previous wave (Welch t, {100 * self.ci:g}% CI; groups under " \
               f"{self.min_group} and their complements hidden)"
        return head + "\n" + self.table.to_string(float_format="{:.3f}".format)

    def to_frame(self) -> pd.DataFrame:
        return self.table


def compare_waves(current, previous, group: str | None = None, *, scales=None, ci: float = 0.95,
                  min_group: int = anonymity.DEFAULT_MIN_GROUP, d_sd: str = "pooled") -> WaveComparison:
    """Differences of mean scale scores between two waves (current - previous), overall or by group.

    Welch's t: ``se = sqrt(s1^2/n1 + s2^2/n2)``, Welch-Satterthwaite ``df``, ``t = diff / se``, CI
    ``diff +- t_(1-a/2, df) se`` (R ``t.test(current, previous, var.equal = FALSE)``). Cohen's ``d =
    diff / s_p`` with the pooled SD ``s_p = sqrt(((n1-1)s1^2 + (n2-1)s2^2) / (n1+n2-2))`` (R by hand);
    ``d_sd="average"`` uses ``sqrt((s1^2 + s2^2) / 2)`` instead. Groups are suppressed in each wave
    separately (primary and complementary, with the wave's total taken as shown) and a group hidden in
    either wave is dropped; a row whose scale has fewer than ``min_group`` answers in a wave is dropped.
    Checked against R ``t.test`` (``tests/reference/report_engagement.R``): 1e-6.
    """
    k = anonymity.check_min_group(min_group)
    if d_sd not in ("pooled", "average"):
        raise EngageSurveyError(f"compare_waves: d_sd must be 'pooled' or 'average', got {d_sd!r}")
    cur, cur_meta, _ = _scores_and_meta(current, "compare_waves")
    prev, prev_meta, _ = _scores_and_meta(previous, "compare_waves")
    if scales is None:
        scales = [c for c in cur.columns if c in prev.columns and c != group
                  and pd.api.types.is_numeric_dtype(cur[c]) and c.lower() not in anonymity.ID_COLUMNS]
    for s in scales:
        for frame, name in ((cur, "current"), (prev, "previous")):
            if s not in frame.columns:
                raise EngageSurveyError(f"compare_waves: scale {s!r} is not in the {name} wave")
    parts = []
    for frame, meta, name in ((cur, cur_meta, "current"), (prev, prev_meta, "previous")):
        if group is not None and group not in meta.columns:
            raise EngageSurveyError(f"compare_waves: group column {group!r} is not in the {name} wave")
        g = meta[group].astype(object).where(meta[group].notna(), None) if group else \
            pd.Series("all", index=frame.index)
        vals = frame[scales].apply(pd.to_numeric, errors="coerce").astype(float)
        grp = vals.groupby(g.to_numpy(), dropna=True)
        agg = pd.concat({"n": grp.count(), "mean": grp.mean(), "var": grp.var(ddof=1)}, axis=1)
        size = g.value_counts(dropna=False)
        if group:
            sizes = {(str(lab) if lab is not None else anonymity.REST,): int(v) for lab, v in size.items()}
            hidden = anonymity.suppression_plan(sizes, k)
            agg = agg.loc[[(str(lab),) not in hidden for lab in agg.index]]
        parts.append(agg)
    a, b = parts
    common = a.index.intersection(b.index, sort=False).sort_values() if group else a.index
    rows = []
    for lab in common:
        for s in scales:
            n1, n2 = a.loc[lab, ("n", s)], b.loc[lab, ("n", s)]
            if n1 < k or n2 < k:
                continue
            m1, m2, v1, v2 = a.loc[lab, ("mean", s)], b.loc[lab, ("mean", s)], a.loc[lab, ("var", s)], \
                b.loc[lab, ("var", s)]
            rows.append({**({group: lab} if group else {}), "scale": s, "n_current": int(n1),
                         "n_previous": int(n2), "mean_current": m1, "mean_previous": m2,
                         "var_current": v1, "var_previous": v2})
    cols = [*([group] if group else []), "scale", "n_current", "n_previous", "mean_current",
            "mean_previous", "diff", "se", "df", "t", "pvalue", "ci_lower", "ci_upper", "d"]
    if not rows:
        return WaveComparison(table=pd.DataFrame(columns=cols), group=group, ci=ci, min_group=k)
    t = pd.DataFrame(rows)
    n1, n2 = t.n_current.to_numpy(float), t.n_previous.to_numpy(float)
    v1, v2 = t.pop("var_current").to_numpy(), t.pop("var_previous").to_numpy()
    q1, q2 = v1 / n1, v2 / n2
    t["diff"] = t.mean_current - t.mean_previous
    t["se"] = np.sqrt(q1 + q2)
    t["df"] = (q1 + q2) ** 2 / (q1**2 / (n1 - 1) + q2**2 / (n2 - 1))
    t["t"] = t["diff"] / t["se"]
    t["pvalue"] = 2 * stats.t.sf(np.abs(t["t"]), t["df"])
    half = stats.t.ppf(0.5 + ci / 2, t["df"]) * t["se"]
    t["ci_lower"], t["ci_upper"] = t["diff"] - half, t["diff"] + half
    sd = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)) if d_sd == "pooled" else \
        np.sqrt((v1 + v2) / 2)
    t["d"] = t["diff"] / sd
    return WaveComparison(table=t[cols], group=group, ci=ci, min_group=k)


# ------------------------------------------------------------------------------ report sections


def engagement_context(result, *, lang: str = "en", by=("agency", "unit"), outcome: str = "we",
                       drivers=None, min_group: int = anonymity.DEFAULT_MIN_GROUP, previous=None,
                       wave_group: str | None = None, text: str | None = None, comment_group=None,
                       comment_min: int = anonymity.DEFAULT_COMMENT_MIN, n_boot: int = 1000,
                       seed=None) -> dict:
    """Everything ``reports/partials/engagement.html.j2`` shows, as plain data and inline SVG.

    Sections: engagement index, % favourable by scale, the outcome's answer distribution, heatmaps of
    the top-level scales by each level of ``by`` (suppressed), key drivers (relative weights),
    the change since ``previous`` (a ScoreResult of the previous wave, optionally by ``wave_group``) and
    the comments in meta column ``text`` grouped by ``comment_group`` (default ``by[0]``). A section
    whose input is missing is None. Respondent ids are never read.
    """
    from . import plots
    from .i18n import check_lang, t

    check_lang(lang)
    k = anonymity.check_min_group(min_group)
    inst = _need_instrument(result, "engagement_context")
    dec = "," if lang == "id" else "."
    label = {s: inst.scales[s].label.get(lang, s) for s in inst.scales}
    ctx: dict = {"min_group": k, "comment_min": comment_min, "outcome": label.get(outcome, outcome)}
    ctx["index"] = engagement_index(result, outcome) if outcome in result.scores.columns else None
    fav = favourable(result)
    top = [s.id for s in inst.scored_scales() if s.parent is None]
    fs = fav.scales.loc[[s for s in top if s in fav.scales.index]]
    ctx["favourable"] = {
        "rows": [{"label": label[s], **r} for s, r in fs.to_dict("index").items()],
        "plot": plots.stacked_bars(fs[["unfavourable", "neutral", "favourable"]].to_numpy(),
                                   [label[s] for s in fs.index],
                                   [t(c, lang) for c in ("unfavourable", "neutral", "favourable")],
                                   decimal=dec),
    }
    dist = distribution(result, scales=[outcome], lang=lang) if outcome in inst.scales else None
    if dist is not None and len(dist):
        wide = dist.pivot_table(index="item", columns="code", values="percent", sort=False)
        cats = dist.drop_duplicates("code").sort_values("code")
        ctx["distribution"] = plots.stacked_bars(
            wide[cats.code].to_numpy(), [inst.items[i].text.get(lang, i) for i in wide.index],
            list(cats.label), decimal=dec)
    else:
        ctx["distribution"] = None
    by = [by] if isinstance(by, str) else [b for b in by if b in result.meta.columns]
    ctx["heatmaps"] = []
    if by:
        tabs = heatmap(result, by, scales=top, min_group=k)
        ranges = [_scale_range(inst, s) for s in top]
        for d, lev in enumerate(by):
            tab = tabs[lev]
            rows = [" · ".join(str(x) for x in key[::-1])  # innermost first: "U001 · Agency"
                    for key in tab[by[: d + 1]].itertuples(index=False)]
            ctx["heatmaps"].append({
                "level": lev, "shown": len(tab), "hidden": tab.attrs.get("suppressed", 0),
                "plot": plots.heatmap(tab[top].to_numpy(), rows, [label[s] for s in top],
                                      lo=[r[0] for r in ranges], hi=[r[1] for r in ranges], decimal=dec),
            })
    ctx["drivers"] = None
    try:
        rw = key_drivers(result, outcome, drivers, n_boot=n_boot, seed=seed)
    except EngageSurveyError:
        rw = None
    if rw is not None:
        tb = rw.table
        ctx["drivers"] = {
            "r2": rw.r2, "n": rw.n, "n_boot": rw.n_boot, "seed": seed,
            "rows": [{"label": label.get(d, d), **r} for d, r in tb.to_dict("index").items()],
            "plot": plots.forest(tb.rescaled, tb.get("rescaled_ci_lower", tb.rescaled),
                                 tb.get("rescaled_ci_upper", tb.rescaled), [label.get(d, d) for d in tb.index],
                                 digits=1, decimal=dec),
        }
    ctx["waves"] = None
    if previous is not None:
        wc = compare_waves(result, previous, wave_group, scales=top, min_group=k).table
        names = [(f"{r[wave_group]} · " if wave_group else "") + label[r["scale"]] for _, r in wc.iterrows()]
        ctx["waves"] = {"group": wave_group, "rows": [{"label": nm, **r} for nm, r in
                                                       zip(names, wc.to_dict("records"))],
                        "plot": plots.forest(wc["diff"], wc.ci_lower, wc.ci_upper, names, ref=0.0, decimal=dec)}
    ctx["comments"] = None
    if text is not None:
        if text not in result.meta.columns:
            raise EngageSurveyError(f"the comment column {text!r} is not in the data")
        cg = comment_group or (by[0] if by else None)
        if cg is None or cg not in result.meta.columns:
            raise EngageSurveyError(f"the comment group column {cg!r} is not in the data")
        com = anonymity.comments_for(result.meta[cg], result.meta[text], comment_min, numeric_min=k)
        ctx["comments"] = {"group": cg, "groups": [
            {"name": g, "comments": list(c.comment)} for g, c in com.groupby("group", sort=True)],
            "left_out": com.attrs["groups_left_out"]}
    return ctx


def render_engagement(result, *, lang: str = "en", **kwargs) -> str:
    """A self-contained HTML page with the engagement sections (``partials/engagement_page.html.j2``)."""
    from .i18n import fmt_number, t
    from .build import environment

    eng = engagement_context(result, lang=lang, **kwargs)
    template = environment().get_template("partials/engagement_page.html.j2")
    return template.render(lang=lang, t=lambda key, **kw: t(key, lang, **kw),
                           num=lambda v, d=2: fmt_number(v, lang, d), eng=eng,
                           title=result.instrument.title.get(lang, result.instrument.id))
