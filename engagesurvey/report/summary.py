"""The first report: a self-contained HTML summary of a scoring run (data, scores, flags, groups).

Everything is inline (CSS and SVG); user-supplied text is escaped by Jinja2's autoescape. Any breakdown
by group hides groups below ``min_group`` respondents.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata as _md
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from .._paths import reports_dir
from ..errors import EngageSurveyError
from . import svg
from .i18n import check_lang, fmt_number, t

MIN_GROUP_FLOOR = 3


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_dir())),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    return env


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict:
    out = {}
    for pkg in ("engagesurvey", "numpy", "pandas", "scipy", "statsmodels", "jinja2"):
        try:
            out[pkg] = _md.version(pkg)
        except _md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def group_table(scores: pd.DataFrame, groups: pd.Series, min_group: int) -> pd.DataFrame:
    """Mean score per group; groups under ``min_group`` respondents are dropped (never shown)."""
    if min_group < MIN_GROUP_FLOOR:
        raise EngageSurveyError(f"the minimum group size cannot be below {MIN_GROUP_FLOOR}, got {min_group}")
    n = groups.value_counts()
    keep = n[n >= min_group].index
    means = scores.groupby(groups).mean()
    table = means.loc[means.index.isin(keep)]
    table.insert(0, "n", n.reindex(table.index))
    return table


def render_summary(result, *, lang: str = "en", source=None, group=None, min_group: int = 5,
                   seed=None) -> str:
    """HTML text of the summary report for a :class:`~engagesurvey.scoring.ScoreResult`."""
    check_lang(lang)
    inst = result.instrument
    scales = inst.scored_scales()
    rows = []
    for sc in scales:
        s = result.scores[sc.id]
        lo = np.mean([inst.items[i].min for i in sc.items])
        hi = np.mean([inst.items[i].max for i in sc.items])
        if sc.scoring == "pomp":
            lo, hi = 0, 100
        elif sc.scoring == "sum":
            lo, hi = lo * len(sc.items), hi * len(sc.items)
        rows.append({
            "label": sc.label.get(lang, sc.id), "id": sc.id, "n": int(s.notna().sum()),
            "mean": s.mean(), "sd": s.std(), "min": s.min(), "max": s.max(),
            "plot": svg.histogram(s, lo=lo, hi=hi), "sub": sc.parent is not None,
        })
    counts = result.counts()
    rec = result.reconciliation
    reasons = rec.loc[rec.status != "scored"].groupby(["status", "reason"]).size().reset_index(name="n")
    flags = [
        {"name": c, "n": int(result.flags[c].sum())}
        for c in result.flags.columns if result.flags[c].dtype == bool
    ]
    groups = None
    if group is not None:
        if group not in result.meta.columns:
            raise EngageSurveyError(f"group column {group!r} is not in the data")
        gt = group_table(result.scores[[r["id"] for r in rows]], result.meta[group], min_group)
        groups = {"column": group, "rows": [
            {"name": str(idx), "n": int(r["n"]), "values": [r[c["id"]] for c in rows]}
            for idx, r in gt.iterrows()
        ], "hidden": int((result.meta[group].value_counts() < min_group).sum())}
    src = None
    if source is not None and Path(source).exists():
        src = {"name": Path(source).name, "sha256": file_sha256(source)}
    template = environment().get_template("summary.html.j2")
    return template.render(
        lang=lang, t=lambda key, **kw: t(key, lang, **kw), num=lambda v, d=2: fmt_number(v, lang, d),
        instrument=inst, parts=getattr(inst, "parts", {inst.id: inst.version}), counts=counts,
        reasons=reasons.to_dict("records"), rows=rows, flags=flags, groups=groups, min_group=min_group,
        source=src, versions=_versions(), seed=seed,
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_summary(result, path, **kwargs) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_summary(result, **kwargs), encoding="utf-8")
    return path
