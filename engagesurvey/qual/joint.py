"""Joint displays: qualitative themes next to quantitative groups and scale scores.

:func:`joint_display` puts theme prevalence by a quantitative grouping (engagement or coaching tertiles,
agencies, units) next to a test of association per theme, Holm-adjusted over themes, illustrative quotes
where a cell is large enough to protect anonymity, and a meta-inference column (confirms / expands /
diverges) that the analyst fills in and the output keeps. :func:`side_by_side` gives one row per unit
with mean scale scores and theme prevalence.

Tests (one 2 x G table per theme: answers with / without the theme in each group):

* every expected count >= 5: Pearson's chi-square, with Yates' continuity correction for 2 x 2 tables
  (R's ``chisq.test`` default; ``correct=False`` turns it off);
* some expected count < 5, 2 x 2: Fisher's exact test (``scipy.stats.fisher_exact``, two-sided, as R's
  ``fisher.test``);
* some expected count < 5, 2 x G with G > 2: Fisher's exact test by Monte Carlo: ``n_sim`` tables with
  the observed margins are drawn by permuting group labels (seeded, vectorised); the p-value is
  (1 + #{draws with table probability <= observed}) / (n_sim + 1), the Monte Carlo estimate of R's exact
  ``fisher.test`` p-value for r x c tables.

Holm's step-down adjustment is applied to the themes' p-values (R's ``p.adjust(method = "holm")``).
Checked against ``chisq.test``, ``fisher.test`` and ``p.adjust`` (``tests/reference/qual_joint.R``).

Anonymity. Groups with fewer than ``min_group`` respondents (default 5) are left out of the display and
the tests (listed in ``.notes``). Quotes are shown only for cells (theme x group) with at least
``comment_min`` respondents who mention the theme (default 10; never below 5), in an order unrelated to
respondents, and never with an id.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from .._results import ResultMixin
from ..errors import EngageSurveyError
from .imports import read_table

META_VALUES = ("confirms", "expands", "diverges")
COMMENT_FLOOR = 5
_ALMOST_ONE = 1 - 64 * np.finfo(float).eps


def holm(p) -> np.ndarray:
    """Holm-adjusted p-values (NaN stays NaN), as R's ``p.adjust(p, "holm")``."""
    p = np.asarray(p, float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adj
    return out


def association_test(present: np.ndarray, groups: np.ndarray, *, n_sim: int = 2000, rng=None,
                     correct: bool = True) -> dict:
    """Test one theme's prevalence across groups (see the module docstring for the rule).

    ``present``: 0/1 per respondent; ``groups``: integer group code per respondent (0..G-1).
    Returns test, statistic, df, pvalue.
    """
    rng = np.random.default_rng(rng)
    present = np.asarray(present, int)
    groups = np.asarray(groups, int)
    G = int(groups.max()) + 1 if len(groups) else 0
    n_g = np.bincount(groups, minlength=G).astype(float)
    a = np.bincount(groups, weights=present, minlength=G)
    table = np.vstack([a, n_g - a])
    N, rows = n_g.sum(), table.sum(1)
    if G < 2 or rows.min() == 0:
        return {"test": "none (theme in all or none of the answers)" if G >= 2 else "none (one group)",
                "statistic": np.nan, "df": np.nan, "pvalue": np.nan}
    expected = np.outer(rows, n_g) / N
    if expected.min() >= 5:
        res = stats.chi2_contingency(table, correction=correct and G == 2)
        name = "chi-square" + (" (Yates)" if correct and G == 2 else "")
        return {"test": name, "statistic": float(res.statistic), "df": float(res.dof), "pvalue": float(res.pvalue)}
    if G == 2:
        res = stats.fisher_exact(table)
        return {"test": "Fisher exact", "statistic": float(res.statistic), "df": np.nan, "pvalue": float(res.pvalue)}
    onehot = np.eye(G)[groups]
    perm = rng.permuted(np.broadcast_to(present, (n_sim, len(present))), axis=1)
    sim_a = perm @ onehot

    def log_prob(a_):  # log P(table | margins) up to a constant
        return -(special.gammaln(a_ + 1) + special.gammaln(n_g - a_ + 1)).sum(-1)

    obs = log_prob(a)
    sims = log_prob(sim_a)
    p = (1 + np.sum(sims <= obs + 1e-7 * abs(obs))) / (n_sim + 1)
    return {"test": f"Fisher exact (Monte Carlo, {n_sim} draws)", "statistic": np.nan, "df": np.nan,
            "pvalue": float(p)}


@dataclass(repr=False)
class JointDisplay(ResultMixin):
    """Joint display: ``.table`` one row per theme (prevalence per group, test, p, p_holm, quotes,
    meta_inference, meta_note); ``.counts`` / ``.prevalence`` theme x group; ``.group_n``; ``.quotes``."""

    table: pd.DataFrame
    counts: pd.DataFrame
    prevalence: pd.DataFrame
    group_n: pd.Series
    quotes: pd.DataFrame
    by: str
    comment_min: int
    notes: list = field(default_factory=list)

    def __repr__(self) -> str:
        return f"JointDisplay(by={self.by!r}, themes={len(self.table)}, groups={len(self.group_n)})"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def with_meta(self, meta) -> JointDisplay:
        """A copy with the meta-inference column filled from a dict or CSV (see :func:`joint_display`)."""
        table = self.table.copy()
        m = _read_meta(meta, list(table.index))
        for theme, (value, note) in m.items():
            table.loc[theme, "meta_inference"] = value
            table.loc[theme, "meta_note"] = note
        return replace(self, table=table)

    def summary(self) -> str:
        pct = self.prevalence.map(lambda x: f"{100 * x:.0f}%" if np.isfinite(x) else "")
        show = pct.copy()
        show.columns = [f"{c} (n={self.group_n[c]})" for c in show.columns]
        t = self.table
        show["test"] = t["test"]
        show["p"] = t["pvalue"].map(lambda x: f"{x:.4f}" if np.isfinite(x) else "")
        show["p_holm"] = t["p_holm"].map(lambda x: f"{x:.4f}" if np.isfinite(x) else "")
        show["meta_inference"] = t["meta_inference"]
        lines = [f"Joint display: theme prevalence by {self.by}", show.to_string()]
        if len(self.quotes):
            lines += ["", f"Quotes (cells with at least {self.comment_min} respondents):"]
            lines += [f"  [{r.theme} / {r.group}] {r.quote}" for r in self.quotes.itertuples()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _read_meta(meta, themes) -> dict:
    if meta is None:
        return {}
    if isinstance(meta, (str, Path)):
        path = Path(meta)
        frame = read_table(path)  # a clear error for a missing or unreadable file
        cols = {c.strip().lower(): c for c in frame.columns}
        if "theme" not in cols or "meta_inference" not in cols:
            raise EngageSurveyError(f"{path}: a meta-inference CSV needs columns theme, meta_inference (, note)")
        note = frame[cols["note"]] if "note" in cols else pd.Series([""] * len(frame))
        items = {r: (v, n) for r, v, n in zip(frame[cols["theme"]], frame[cols["meta_inference"]], note)}
        where = str(path)
    elif isinstance(meta, dict):
        items = {k: (v.get("meta_inference", ""), v.get("note", "")) if isinstance(v, dict) else (v, "")
                 for k, v in meta.items()}
        where = "meta"
    else:
        raise EngageSurveyError(f"meta must be a dict or a CSV path, got {type(meta).__name__}")
    out = {}
    for theme, (value, note) in items.items():
        theme = str(theme).strip()
        if theme not in themes:
            raise EngageSurveyError(f"{where}: theme {theme!r} is not in the display; themes: {', '.join(themes)}")
        value = str(value).strip().lower()
        if value not in (*META_VALUES, ""):
            raise EngageSurveyError(f"{where}: theme {theme!r}: meta-inference {value!r} is not one of "
                                    f"{', '.join(META_VALUES)}")
        out[theme] = (value, str(note or ""))
    return out


def _check_comment_min(comment_min, min_group):
    if isinstance(comment_min, bool) or not isinstance(comment_min, (int, np.integer)):
        raise EngageSurveyError(f"comment_min must be a whole number, got {comment_min!r}")
    if comment_min < COMMENT_FLOOR:
        raise EngageSurveyError(f"comment_min cannot be below {COMMENT_FLOOR}, got {comment_min}")
    if comment_min < min_group:
        raise EngageSurveyError(f"comment_min ({comment_min}) cannot be below min_group ({min_group})")
    return int(comment_min)


def _groups(respondents, by, bins, labels):
    col = respondents[by]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and bins:
        if labels is None:
            labels = ["low", "middle", "high"] if bins == 3 else [f"q{k + 1}" for k in range(bins)]
        try:
            return pd.qcut(col, q=bins, labels=labels)
        except ValueError as exc:
            raise EngageSurveyError(f"column {by!r}: cannot cut into {bins} groups ({exc})") from None
    return col.astype(object).where(col.notna())


def _presence(coded, unit, code, ids, id_column):
    data = getattr(coded, "data", coded)
    if not isinstance(data, pd.DataFrame):
        raise EngageSurveyError(f"coded must be a DataFrame or read_coded's result, got {type(coded).__name__}")
    if code is None:
        code = "theme" if "theme" in data.columns else "code"
    for c in (unit, code):
        if c not in data.columns:
            raise EngageSurveyError(f"coded data has no column {c!r}")
    d = data[data[code].notna()]
    known = set(ids)
    stray = ~d[unit].isin(known)
    if stray.any():
        raise EngageSurveyError(f"coded data: unit {d[unit][stray].iloc[0]!r} matches no respondent in "
                                f"column {id_column!r}")
    return d, code


def joint_display(coded, respondents, *, by: str, id_column: str = "id", unit: str = "unit", code=None,
                  text=None, bins: int = 3, labels=None, min_group: int = 5, comment_min: int = 10,
                  n_quotes: int = 2, meta=None, n_sim: int = 2000, seed=None, correct: bool = True
                  ) -> JointDisplay:
    """Theme prevalence by a quantitative grouping, with tests, quotes and a meta-inference column.

    Parameters
    ----------
    coded : long DataFrame (``unit`` and ``theme``/``code`` columns, optional ``excerpt``) or
        :func:`read_coded`'s result; the codes of the open-ended answers.
    respondents : DataFrame, one row per respondent: ``id_column`` and ``by`` (and ``text``)
    by : column to group by. Numeric columns (engagement, coaching) are cut into ``bins`` quantile groups
        (tertiles "low", "middle", "high" by default); others are used as they are (agency, unit).
        ``bins=None`` keeps a numeric column (unit numbers) as it is.
    text : column holding the open answer, optional. When given, the denominator of each prevalence is
        the respondents who wrote something; otherwise every respondent with a ``by`` value.
    min_group, comment_min, n_quotes : anonymity rules (module docstring)
    meta : dict ``{theme: "confirms" | "expands" | "diverges"}`` (or ``{theme: {"meta_inference": ...,
        "note": ...}}``) or a CSV with columns theme, meta_inference, note. Filled by the analyst; kept.
    n_sim, seed : Monte Carlo draws and seed for exact tests on 2 x G tables and quote selection
    correct : Yates' correction for 2 x 2 chi-square tests (R's default)
    """
    if not isinstance(respondents, pd.DataFrame):
        raise EngageSurveyError("respondents must be a DataFrame with one row per respondent")
    for c in [id_column, by] + ([text] if text else []):
        if c not in respondents.columns:
            raise EngageSurveyError(f"respondents: column {c!r} not found")
    if min_group < 3:
        raise EngageSurveyError(f"min_group cannot be below 3, got {min_group}")
    comment_min = _check_comment_min(comment_min, min_group)
    ids = respondents[id_column]
    if ids.duplicated().any():
        raise EngageSurveyError(f"respondents: duplicate id {ids[ids.duplicated()].iloc[0]!r} in {id_column!r}")
    d, code = _presence(coded, unit, code, ids, id_column)
    rng = np.random.default_rng(seed)
    grp = _groups(respondents, by, bins, labels)
    base = grp.notna()
    if text:
        base &= respondents[text].fillna("").astype(str).str.strip() != ""
    resp = pd.DataFrame({"id": ids[base].to_numpy(), "group": grp[base].astype(object).to_numpy()})
    sizes = resp["group"].value_counts()
    order = [g for g in (grp.cat.categories if hasattr(grp, "cat") else sorted(sizes.index, key=str))
             if g in sizes.index]
    small = [g for g in order if sizes[g] < min_group]
    notes = []
    if small:
        notes.append(f"{len(small)} group(s) with fewer than {min_group} respondents left out: "
                     f"{', '.join(map(str, small))}")
    order = [g for g in order if g not in small]
    resp = resp[resp["group"].isin(order)].reset_index(drop=True)
    gcode = pd.Categorical(resp["group"], categories=order).codes
    themes = list(pd.unique(d[code]))
    in_base = d[d[unit].isin(set(resp["id"]))]
    left = len(d) - len(in_base)
    if left:
        notes.append(f"{left} coded segment(s) of respondents outside the display (no {by} value, no text, "
                     f"or a group below {min_group}) not counted")
    pos = pd.Index(resp["id"])
    counts, tests, quotes = [], [], []
    for t in themes:
        seg = in_base[in_base[code] == t]
        present = np.zeros(len(resp), int)
        present[pos.get_indexer(pd.unique(seg[unit]))] = 1
        counts.append(np.bincount(gcode, weights=present, minlength=len(order)))
        tests.append(association_test(present, gcode, n_sim=n_sim, rng=rng, correct=correct))
        if "excerpt" in seg.columns or text:
            quotes += _quotes(t, seg, resp, present, gcode, order, unit, respondents, id_column, text,
                              comment_min, n_quotes, rng)
    group_n = pd.Series([int(sizes[g]) for g in order], index=order, name="n")
    cnt = pd.DataFrame(counts, index=pd.Index(themes, name="theme"), columns=order)
    prev = cnt / group_n.to_numpy()[None, :]
    tt = pd.DataFrame(tests, index=cnt.index)
    tt["p_holm"] = holm(tt["pvalue"].to_numpy())
    table = prev.copy()
    table.columns = [f"pct_{c}" for c in order]
    table = pd.concat([cnt.sum(axis=1).rename("n_theme"), table, tt], axis=1)
    qt = pd.DataFrame(quotes, columns=["theme", "group", "quote"])
    table["quotes"] = [" | ".join(qt.loc[qt["theme"] == t, "quote"]) for t in table.index]
    table["meta_inference"] = ""
    table["meta_note"] = ""
    out = JointDisplay(table=table, counts=cnt, prevalence=prev, group_n=group_n, quotes=qt, by=by,
                       comment_min=comment_min, notes=notes)
    return out.with_meta(meta) if meta is not None else out


def _quotes(theme, seg, resp, present, gcode, order, unit, respondents, id_column, text, k, n_quotes, rng):
    out = []
    grp_of = dict(zip(resp["id"], resp["group"]))
    if "excerpt" in seg.columns and seg["excerpt"].notna().any():
        src = pd.DataFrame({"group": seg[unit].map(grp_of), "quote": seg["excerpt"]})
    else:
        full = respondents.set_index(id_column)[text]
        ids = resp["id"][present == 1]
        src = pd.DataFrame({"group": ids.map(grp_of).to_numpy(), "quote": full.reindex(ids).to_numpy()})
    src = src.dropna()
    src = src[src["quote"].astype(str).str.strip() != ""]
    cell_n = np.bincount(gcode, weights=present, minlength=len(order))
    for j, g in enumerate(order):
        if cell_n[j] < k:
            continue
        pool = sorted(set(src.loc[src["group"] == g, "quote"].astype(str).str.strip()))
        if not pool:
            continue
        pick = rng.choice(len(pool), size=min(n_quotes, len(pool)), replace=False)
        out += [(theme, g, pool[i]) for i in sorted(pick)]
    return out


def side_by_side(scores, coded, *, group: str = "unit", id_column: str = "id", scales=None,
                 unit: str = "unit", code=None, min_group: int = 5) -> pd.DataFrame:
    """One row per group (unit): respondents, mean of each scale score, and % with each theme.

    ``scores``: one row per respondent with ``id_column``, ``group`` and the scale columns (``scales``;
    default every numeric column except the id). Theme percentages use every respondent of the group as
    denominator. Groups with fewer than ``min_group`` respondents are left out (``.attrs["suppressed"]``).
    """
    if not isinstance(scores, pd.DataFrame):
        raise EngageSurveyError("scores must be a DataFrame with one row per respondent")
    for c in (id_column, group):
        if c not in scores.columns:
            raise EngageSurveyError(f"scores: column {c!r} not found")
    if scales is None:
        scales = [c for c in scores.columns if c not in (id_column, group)
                  and pd.api.types.is_numeric_dtype(scores[c])]
    missing = [s for s in scales if s not in scores.columns]
    if missing:
        raise EngageSurveyError(f"scores: scale column {missing[0]!r} not found")
    d, code = _presence(coded, unit, code, scores[id_column], id_column)
    g = scores.groupby(group, sort=True)
    out = pd.concat([g.size().rename("n"), g[list(scales)].mean()], axis=1)
    pres = pd.crosstab(d[unit], d[code]).clip(upper=1)
    theme_cols = list(pd.unique(d[code]))
    pres = pres.reindex(scores[id_column]).fillna(0)
    pres.index = scores.index
    pct = pres.groupby(scores[group]).mean()[theme_cols]
    pct.columns = [f"pct_{c}" for c in theme_cols]
    out = out.join(pct)
    small = out.index[out["n"] < min_group]
    out = out.drop(index=small)
    out.attrs["suppressed"] = len(small)
    return out
