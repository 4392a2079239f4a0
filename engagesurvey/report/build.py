"""The empirical test report: one self-contained HTML file per language, plus tables and a results JSON.

Sections (``reports/report.html.j2`` and its partials): data and sample (reconciliation of every input
row, exclusions, careless-response flags), scale scores with distributions and an anonymity-safe group
table, instrument quality (``engagesurvey.validation``), engagement results and the agency view
(``engagement``), hypotheses (``engagesurvey.hypotheses``) with a path diagram, and a reproducibility
appendix (package versions, seed, input file hash, instrument versions). Every breakdown by group goes
through :mod:`engagesurvey.report.anonymity`; every user-supplied text is escaped by autoescape.
"""

from __future__ import annotations

import dataclasses

import datetime as _dt
import hashlib
import importlib.metadata as _md
import math
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from .._paths import reports_dir
from ..errors import EngageSurveyError
from . import anonymity, svg
from .diagram import mediation_diagram
from .i18n import check_lang, fmt_date, fmt_number, t
from .i18n import table as i18n_table

MIN_GROUP_FLOOR = anonymity.MIN_GROUP_FLOOR


def environment() -> jinja2.Environment:
    """Jinja2 environment over ``reports/``: autoescape always on, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_dir())),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )


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


# ------------------------------------------------------------------------------------ sections


def _scale_rows(result, lang):
    inst = result.instrument
    rows = []
    for sc in inst.scored_scales():
        s = result.scores[sc.id]
        lo = float(np.mean([inst.items[i].min for i in sc.items]))
        hi = float(np.mean([inst.items[i].max for i in sc.items]))
        if sc.scoring == "pomp":
            lo, hi = 0.0, 100.0
        elif sc.scoring == "sum":
            lo, hi = lo * len(sc.items), hi * len(sc.items)
        rows.append({"label": sc.label.get(lang, sc.id), "id": sc.id, "n": int(s.notna().sum()),
                     "mean": s.mean(), "sd": s.std(), "min": s.min(), "max": s.max(),
                     "plot": svg.histogram(s, lo=lo, hi=hi), "sub": sc.parent is not None})
    return rows


def _group_section(result, group, rows, min_group):
    if group is None:
        return None
    if group not in result.meta.columns:
        raise EngageSurveyError(f"group column {group!r} is not in the data")
    top = [r["id"] for r in rows if not r["sub"]]
    tables = anonymity.breakdown(result.scores[top], result.meta[[group]], min_group=min_group)
    table = tables[group]
    return {"column": group, "hidden": int(table.attrs.get("suppressed", 0)),
            "rows": [{"name": str(r[group]), "n": int(r["n"]), "values": [r[c] for c in top]}
                     for _, r in table.iterrows()]}


def _quality_section(result, validations, lang):
    out = []
    for rep in validations:
        inst = rep.instrument
        frame = rep.to_frame()
        rel = [{"scale": sid, "label": inst.scales[sid].label.get(lang, sid),
                "sub": inst.scales[sid].parent is not None, **row}
               for sid, row in frame.to_dict("index").items()]
        fit = None
        if rep.cfa is not None:
            fit = {k: rep.cfa.fit_measures.get(k, math.nan)
                   for k in ("chisq", "df", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr")}
        comp = []
        if rep.composite is not None and rep.cfa is not None:
            est = rep.cfa.estimates
            for fac, r in rep.composite.iterrows():
                lo = est[(est.op == "=~") & (est.lhs == fac)]
                loads = ", ".join(f"{x} {fmt_number(v, lang, 2)}" for x, v in zip(lo.rhs, lo.std_all))
                label = inst.scales[fac].label.get(lang, fac) if fac in inst.scales else fac
                comp.append({"label": label, "omega": r["omega"], "ave": r["ave"], "loadings": loads})
        inv = None
        if rep.invariance is not None:
            tab = rep.invariance.table
            inv = [{"level": lvl, **{c: tab.loc[lvl, c] if c in tab.columns else math.nan
                                     for c in ("chisq", "df", "cfi", "rmsea", "delta_chisq", "delta_df",
                                               "p_value", "delta_cfi", "delta_rmsea")},
                    "verdict": str(tab.loc[lvl, "verdict"]) if "verdict" in tab.columns else ""}
                   for lvl in tab.index]
        out.append({"id": inst.id, "version": inst.version, "title": inst.title_in(lang),
                    "reliability": rel, "fit": fit, "composite": comp, "invariance": inv,
                    "group": getattr(rep.invariance, "group", None) if rep.invariance is not None else None,
                    "notes": rep.notes})
    return out


def _flag_label(name: str, lang: str) -> str:
    """A flag column's label in ``lang`` (attention checks, constant sums, careless indices)."""
    import re

    m = re.fullmatch(r"attention_(.+)_failed", name)
    if m:
        return t("flag_attention", lang, item=m.group(1))
    m = re.fullmatch(r"(.+)_not_([0-9.]+)", name)
    if m:
        return t("flag_constant_sum", lang, item=m.group(1), total=m.group(2))
    key = f"flag_{name}"
    return t(key, lang) if key in i18n_table() else name


def _p(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return "< .001" if value < 0.001 else f"{value:.3f}".lstrip("0")


def _hypotheses_section(report, lang, scales: dict):
    if report is None:
        return None
    rows = report.table.drop(columns=["ci"]).to_dict("records")
    diagram = None
    med = [h for h in report.spec["hypotheses"] if h["test"] == "mediation"]
    if med and med[0]["id"] in report.results:
        res = report.results[med[0]["id"]]
        tab = res.table.set_index("path")
        diagram = mediation_diagram(
            {k: (tab.loc[k, "est"], tab.loc[k, "ci_lower"], tab.loc[k, "ci_upper"]) for k in
             ("a", "b", "c_prime", "indirect") if k in tab.index},
            labels=tuple(_var_label(scales, v, lang) for v in (res.x, res.m, res.y)), lang=lang)
    return {"rows": rows, "checks": report.checks.to_dict("records"), "diagram": diagram, "p": _p,
            "adjust": report.spec.get("adjust", "holm"), "alpha": float(report.spec.get("alpha", 0.05))}


def _var_label(scales: dict, var, lang):
    return scales[var].label.get(lang, var) if var in scales else var


# --------------------------------------------------------------------------------------- render


def render_report(result, *, lang: str = "en", source=None, group=None, min_group: int = 5, seed=None,
                  validations=(), hypotheses=None, engagement=None, planning=None, mixed=None) -> str:
    """HTML text of the report for a :class:`~engagesurvey.scoring.ScoreResult`.

    ``validations``: ValidationReport objects (instrument quality); ``hypotheses``: a HypothesisReport;
    ``engagement``: the dict of :func:`engagesurvey.report.engagement.engagement_context`. Sections
    whose input is missing are left out.
    """
    check_lang(lang)
    k = anonymity.check_min_group(min_group)
    inst = result.instrument
    rows = _scale_rows(result, lang)
    rec = result.reconciliation
    reasons = rec.loc[rec.status != "scored"].groupby(["status", "reason"]).size().reset_index(name="n")
    flags = [{"name": _flag_label(c, lang), "n": int(result.flags[c].sum())}
             for c in result.flags.columns if result.flags[c].dtype == bool]
    src = None
    if source is not None and Path(source).exists():
        src = {"name": Path(source).name, "sha256": file_sha256(source)}
    template = environment().get_template("report.html.j2")
    return template.render(
        lang=lang, t=lambda key, **kw: t(key, lang, **kw), num=lambda v, d=2: fmt_number(v, lang, d),
        title=inst.title_in(lang), parts=getattr(inst, "parts", {inst.id: inst.version}),
        counts=result.counts(), reasons=reasons.to_dict("records"), rows=rows, flags=flags,
        groups=_group_section(result, group, rows, k), min_group=k, source=src, versions=_versions(),
        seed=seed, quality=_quality_section(result, validations, lang) or None,
        hyp=_hypotheses_section(hypotheses, lang, inst.scales), eng=engagement, plan=planning, mixed=mixed,
        generated=fmt_date(_dt.datetime.now(_dt.timezone.utc), lang),
    )


def render_summary(result, *, lang: str = "en", source=None, group=None, min_group: int = 5, seed=None) -> str:
    """The short report: data, scores, flags and groups only (the first sections of :func:`render_report`)."""
    return render_report(result, lang=lang, source=source, group=group, min_group=min_group, seed=seed)


def write_summary(result, path, **kwargs) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_summary(result, **kwargs), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ whole report


def build_report(result, out_dir, *, langs=("id", "en"), source=None, group="agency", unit="unit",
                 text=None, min_group: int = 5, seed: int | None = 2026, previous=None, spec="default",
                 validate: bool = True, test: bool = True, hypotheses=None, plan: bool = True,
                 plan_reps: int = 500, comments=None, human_codes=None, codebook="cid_themes",
                 progress=None) -> list:
    """Run validation, hypotheses and engagement analyses and write the report files into ``out_dir``:
    ``report_<lang>.html`` per language, ``report_tables.xlsx`` + CSVs, and ``results.json``.

    ``progress(step_name)`` is called before each long step (the CLI shows it).
    """
    from .. import hypotheses as hyp_mod
    from ..instrument import load_instrument
    from ..validation import validate as do_validate
    from . import engagement as eng_mod
    from .exports import write_results_json, write_tables

    k = anonymity.check_min_group(min_group)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    inst = result.instrument
    step = progress or (lambda name: None)
    validations = []
    if validate:
        inv_group = group if group in result.meta.columns else None
        published = result  # invariance only across groups that may be shown
        if inv_group is not None:
            meta = result.meta.assign(**{inv_group: anonymity.mask_small_groups(result.meta[inv_group], k)})
            published = dataclasses.replace(result, meta=meta)
        for part in getattr(inst, "parts", {inst.id: inst.version}):
            part_inst = inst if part == inst.id else load_instrument(part)
            if part_inst.scales:
                step(f"validate {part}")
                validations.append(do_validate(published, part_inst, group=inv_group, seed=seed))
    hyp_report = hypotheses
    if test and hyp_report is None:
        step("hypotheses")
        try:
            hyp_report = hyp_mod.test(result, spec, seed=seed)
        except EngageSurveyError:
            if spec != "default":
                raise
            hyp_report = None  # the default spec needs the bundled instruments' scales
    from .mixed import mixed_context
    from .planning import planning_context

    plan_ctx = None
    if plan and unit in result.meta.columns and {"cid", "we", "perf_task"} <= set(result.scores.columns):
        plan_ctx = planning_context(result, hyp_report, lang=langs[0], icc_column=unit,
                                    seed=2026 if seed is None else seed, reps=plan_reps, progress=step)
    if comments is None and text is not None:
        comments = result.meta[text]
    paths = []
    mixed_lang = None
    by = tuple(c for c in (group, unit) if c is not None and c in result.meta.columns)
    for lang in langs:
        step(f"report {lang}")
        eng = None
        if "we" in result.scores.columns:
            eng = eng_mod.engagement_context(result, lang=lang, by=by or ("agency",), min_group=k,
                                             previous=previous, text=text, seed=seed)
        hyp_lang = hyp_report.in_language(lang) if hyp_report is not None else None
        plan_lang = planning_context(result, lang=lang, reuse=plan_ctx) if plan_ctx is not None else None
        if "we" in result.scores.columns and unit in result.meta.columns:
            step(f"mixed methods {lang}")
            mixed_lang = mixed_context(result, comments, lang=lang, group=unit,
                                       stratum=group if group in result.meta.columns else None, min_group=k,
                                       min_comment_group=max(10, k), seed=seed, human_codes=human_codes,
                                       codebook=codebook)
        html = render_report(result, lang=lang, source=source, group=group if group in result.meta.columns
                             else None, min_group=k, seed=seed, validations=validations,
                             hypotheses=hyp_lang, engagement=eng, planning=plan_lang, mixed=mixed_lang)
        p = out_dir / f"report_{lang}.html"
        p.write_text(html, encoding="utf-8")
        paths.append(p)
    tables = {"scale_scores": pd.DataFrame(_scale_rows(result, "en")).drop(columns=["plot", "sub"])}
    if by:
        tables.update({f"scores_by_{lvl}": tab for lvl, tab in anonymity.breakdown(
            result.scores[[s.id for s in inst.scored_scales()]], result.meta[list(by)], min_group=k).items()})
    for rep in validations:
        tables[f"reliability_{rep.instrument.id}"] = rep.to_frame().reset_index()
        if rep.cfa is not None:
            tables[f"cfa_fit_{rep.instrument.id}"] = rep.fit_table().reset_index(names="model")
    if plan_ctx is not None:
        tables["power_planning"] = pd.DataFrame(plan_ctx["rows"])
    if mixed_lang is not None and mixed_lang.get("cases"):
        tables["interview_frame"] = pd.DataFrame(mixed_lang["cases"]["rows"])
    if hyp_report is not None:
        tables["hypotheses"] = hyp_report.table.drop(columns=["ci"]).rename(columns={"id": "hypothesis"})
    tables["scale_scores"] = tables["scale_scores"].rename(columns={"id": "scale"})
    written = write_tables(tables, out_dir, basename="report_tables", min_group=k)
    paths += [written["xlsx"], *written["csv"].values()]
    results = {"instrument": getattr(inst, "parts", {inst.id: inst.version}), "counts": result.counts(),
               "seed": seed, "min_group": k, "tables": tables}
    paths.append(write_results_json(results, out_dir / "results.json"))
    return paths
