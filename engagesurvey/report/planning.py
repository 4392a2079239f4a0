"""Planning the next wave: Monte Carlo power for the follow-up, from the current wave's estimates.

:func:`planning_context` gathers what ``reports/partials/planning.html.j2`` shows:

* **inputs from this wave**: ICC(1) of engagement and of coaching (CiD) across units (Bliese 2000, as
  ``multilevel::ICC1``; :func:`engagesurvey.models.icc`), the number of units and the mean unit size, and
  the observed standardised paths of H4 (a: CiD -> WE, b: WE -> task performance given CiD, c': the
  direct effect) taken from the hypothesis report (``results["H4"]``) or, without one, from OLS on
  z-scored complete cases (:func:`standardised_paths`, checked against R ``lm`` on ``scale()``-d data,
  ``tests/reference/report_planning.R``);
* **(a)** the power of the within-unit indirect effect (1-1-1 model, group-mean centring; joint
  significance) at the current design, balanced as ``units x round(N / units)``, and the number of units
  of 10 people needed for the target power (:func:`engagesurvey.power.solve`);
* **(b)** for comparison, the sample size of a single-level mediation with domain.md's planning defaults
  a = .30, b = .25;
* **(c)** a cluster-randomised coaching rollout analysed on unit means: units per arm (of 10 people)
  for d = .20 and d = .30 with the observed ICC(1) of engagement;
* **(d)** a power curve (units of 10 on x, power with its Monte Carlo CI on y) for the within-unit
  indirect effect, simulated with common random numbers (the same seed at every size).

Every power is a Monte Carlo estimate over ``reps`` seeded replications with its Wilson 95% CI; a size
found by ``solve`` is the smallest reaching ``target`` under common random numbers, confirmed with fresh
random numbers (see ``docs/power.md``). The statistics come from :mod:`engagesurvey.power` and
:mod:`engagesurvey.models`, each checked against R there. Nothing is rounded here; the template formats.
The section shows no group breakdown (only whole-sample figures), so it needs no suppression.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from .. import power as pw
from ..errors import EngageSurveyError
from ..models import icc as icc_of
from .i18n import check_lang, fmt_number, t

PLANNING_A, PLANNING_B = 0.30, 0.25     # domain.md planning defaults for a single-level mediation
ROLLOUT_D = (0.20, 0.30)                # standardised effects of the coaching rollout
PER_UNIT = 10                           # people per unit in the planned designs
MAX_UNITS = 2000                        # solve gives up beyond this many units (reported as "more than")


def standardised_paths(frame: pd.DataFrame, x: str, m: str, y: str) -> dict:
    """Standardised a, b and c' of ``x -> m -> y`` by OLS on z-scored complete cases.

    ``m = a x + e`` and ``y = c' x + b m + e`` with every variable z-scored (mean 0, SD with the n - 1
    denominator as R's ``scale``) over the rows complete on x, m and y. Returns a, b, c_prime and n.
    Checked against R ``lm`` on ``scale()``-d data (``tests/reference/report_planning.R``).
    """
    for c in (x, m, y):
        if c not in frame.columns:
            raise EngageSurveyError(f"planning: column {c!r} is not in the scores")
    d = frame[[x, m, y]].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(float)
    if len(d) < 5:
        raise EngageSurveyError(f"planning: only {len(d)} complete rows on {x}, {m}, {y}; need at least 5")
    sd = d.std(axis=0, ddof=1)
    if np.any(sd == 0):
        bad = [x, m, y][int(np.flatnonzero(sd == 0)[0])]
        raise EngageSurveyError(f"planning: column {bad!r} is constant in the complete rows")
    z = (d - d.mean(axis=0)) / sd
    a = float(np.linalg.lstsq(np.column_stack([np.ones(len(z)), z[:, 0]]), z[:, 1], rcond=None)[0][1])
    coef = np.linalg.lstsq(np.column_stack([np.ones(len(z)), z[:, 0], z[:, 1]]), z[:, 2], rcond=None)[0]
    return {"a": a, "b": float(coef[2]), "c_prime": float(coef[1]), "n": len(z)}


def _paths(frame, hypotheses, x, m, y):
    res = None
    if hypotheses is not None:
        res = getattr(hypotheses, "results", {}).get("H4")
    vals = [getattr(res, k, None) for k in ("a", "b", "c_prime")] if res is not None else [None] * 3
    if all(isinstance(v, (float, int, np.floating)) and math.isfinite(v) for v in vals):
        return {"a": float(vals[0]), "b": float(vals[1]), "c_prime": float(vals[2]),
                "n": int(getattr(res, "n", 0)), "source": "H4"}
    return {**standardised_paths(frame, x, m, y), "source": "ols"}


def _icc(frame, value, group):
    d = frame[[value, group]].dropna()
    if d[group].nunique() < 2:
        return math.nan
    return float(icc_of(d, value, group)[0])


def _row(key, res, size, *, found=True, effect=""):
    d = res.parameters.get("d", math.nan) if res is not None else math.nan
    return {"key": key, "effect": effect, "d": d, "size": size, "found": found,
            "n_people": float(res.n) if res is not None else math.nan,
            "power": res.power if res is not None else math.nan,
            "ci_lower": res.ci[0] if res is not None else math.nan,
            "ci_upper": res.ci[1] if res is not None else math.nan,
            "reps": res.reps if res is not None else 0}


def planning_context(result, hypotheses=None, *, lang: str = "en", icc_column: str = "unit", target: float = 0.8,
                     seed: int | None = 2026, reps: int = 500, x: str = "cid", m: str = "we", y: str = "perf_task",
                     max_units: int = MAX_UNITS, progress: Callable | None = None, reuse: dict | None = None) -> dict:
    """Everything the "Planning the next wave" section shows, as plain data and an inline SVG.

    Parameters
    ----------
    result : ScoreResult (``.scores`` with x, m, y; ``.meta`` with ``icc_column``)
    hypotheses : HypothesisReport, optional; its ``results["H4"]`` gives the observed a, b, c'
    icc_column : the unit column (level 2)
    target : target power for the sizes solved
    seed, reps : seed and Monte Carlo replications of every simulation (the same seed throughout, so
        each number equals a direct call to :mod:`engagesurvey.power` with these arguments)
    x, m, y : the H4 variables (coaching, engagement, task performance)
    max_units : the largest number of units (per arm) searched
    progress : ``progress(step_name)`` is called before each simulation step
    reuse : the context returned for another language by a call with the same data and arguments: its
        numbers are kept and only the texts (notes, plot labels) are redone in ``lang``, so a bilingual
        report simulates once

    Returns
    -------
    dict with ``inputs`` (icc_we, icc_cid, n_units, n_people, per_unit, a, b, c_prime, source),
    ``rows`` (one per design: key, size, power, ci_lower, ci_upper, found, ...), ``curve`` (n_units,
    power, ci_lower, ci_upper), ``plot`` (Markup SVG), ``calls`` (the es.power arguments of every row),
    ``reps``, ``seed``, ``target``, ``per_unit``, ``notes``.
    """
    check_lang(lang)
    if reuse is not None:
        if not isinstance(reuse, dict) or "_notes" not in reuse:
            raise EngageSurveyError("planning: reuse must be a context returned by planning_context")
        return _localise({k: v for k, v in reuse.items() if k not in ("plot", "notes")}, lang)
    if not 0 < float(target) < 1:
        raise EngageSurveyError(f"planning: target must be between 0 and 1, got {target!r}")
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 10:
        raise EngageSurveyError(f"planning: reps must be a whole number >= 10, got {reps!r}")
    scores, meta = getattr(result, "scores", None), getattr(result, "meta", None)
    if not isinstance(scores, pd.DataFrame) or not isinstance(meta, pd.DataFrame):
        raise EngageSurveyError("planning: expected a ScoreResult (with .scores and .meta)")
    if icc_column not in meta.columns:
        raise EngageSurveyError(f"planning: the unit column {icc_column!r} is not in the data")
    step = progress or (lambda name: None)
    frame = pd.concat([meta[[icc_column]], scores[[c for c in (x, m, y) if c in scores.columns]]], axis=1)
    paths = _paths(frame, hypotheses, x, m, y)
    icc_m, icc_x = _icc(frame, m, icc_column), _icc(frame, x, icc_column)
    notes = []  # (i18n key, fields), or ("", {"text": message}) for a warning of es.power
    icc_sim = icc_m if math.isfinite(icc_m) else 0.0
    if icc_sim < 0:
        notes.append(("plan_icc_negative", {"icc": icc_m}))
        icc_sim = 0.0
    icc_sim = min(icc_sim, 0.95)
    complete = frame.dropna()
    G = int(complete[icc_column].nunique())
    N = len(complete)
    per_cur = max(2, round(N / G)) if G else 0
    a, b, c = paths["a"], paths["b"], paths["c_prime"]
    med = {"a": a, "b": b, "c": c, "icc": icc_sim}
    calls, rows = {}, []
    caught = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        # (a) the within-unit indirect effect: now and the units needed
        if G >= 3:
            step("power: current design")
            calls["within_current"] = ("mediation", {**med, "n_units": G, "per_unit": per_cur, "reps": reps,
                                                      "seed": seed})
            res = pw.mediation(**calls["within_current"][1])
            rows.append(_row("within_current", res, float(G), effect="ab"))
        else:
            notes.append(("plan_too_few_units", {"n": G}))
        step("power: units needed")
        calls["within_solve"] = ("solve", {"kind": "mediation", **med, "per_unit": PER_UNIT, "target": target,
                                            "reps": reps, "seed": seed, "max_size": max_units})
        solved_units = _solve(calls["within_solve"][1], rows, "within_solve", "ab", max_units)
        # (b) the planning default, single level
        step("power: single-level mediation")
        calls["single_default"] = ("solve", {"kind": "mediation", "a": PLANNING_A, "b": PLANNING_B,
                                              "target": target, "reps": reps, "seed": seed})
        _solve(calls["single_default"][1], rows, "single_default", "ab", 100_000)
        # (c) the cluster-randomised rollout
        for d in ROLLOUT_D:
            step(f"power: rollout d = {d:g}")
            key = f"rollout_{round(d * 100):02d}"
            calls[key] = ("solve", {"kind": "cluster_trial", "d": d, "per_unit": PER_UNIT, "icc": icc_sim,
                                    "target": target, "reps": reps, "seed": seed, "max_size": max_units})
            _solve(calls[key][1], rows, key, "d", max_units)
            rows[-1]["d"] = d
        # (d) the power curve
        step("power: curve")
        top = min(max(3 * solved_units, 12) if solved_units else max_units, max_units)
        grid = sorted({round(v) for v in np.linspace(3, top, 12)})
        curve = []
        for g in grid:  # a dozen sizes, each one vectorised over replications
            r = pw.mediation(**med, n_units=g, per_unit=PER_UNIT, reps=reps, seed=seed)
            curve.append({"n_units": g, "power": r.power, "ci_lower": r.ci[0], "ci_upper": r.ci[1]})
        caught = [str(x.message) for x in w]
    notes += [("", {"text": msg}) for msg in dict.fromkeys(caught)]
    numbers = {"inputs": {"icc_we": icc_m, "icc_cid": icc_x, "icc_used": icc_sim, "n_units": G, "n_people": N,
                          "mean_per_unit": N / G if G else math.nan, "per_unit": per_cur, "a": a, "b": b,
                          "c_prime": c, "source": paths["source"]},
               "rows": rows, "curve": curve, "calls": calls, "reps": int(reps), "seed": seed,
               "target": float(target), "per_unit": PER_UNIT, "max_units": int(max_units), "units_found": solved_units,
               "planning_a": PLANNING_A, "planning_b": PLANNING_B, "_notes": notes}
    return _localise(numbers, lang)


def _localise(numbers: dict, lang: str) -> dict:
    """The language-dependent parts: the notes and the power-curve SVG."""
    notes = []
    for key, fields in numbers["_notes"]:
        if not key:
            notes.append(fields["text"])
        else:
            notes.append(t(key, lang, **{k: fmt_number(v, lang, 3) if isinstance(v, float) else v
                                         for k, v in fields.items()}))
    curve = numbers["curve"]
    plot = curve_svg([r["n_units"] for r in curve], [r["power"] for r in curve], [r["ci_lower"] for r in curve],
                     [r["ci_upper"] for r in curve], target=numbers["target"], found=numbers["units_found"],
                     xlabel=t("plan_axis_units", lang, m=numbers["per_unit"]), ylabel=t("plan_axis_power", lang),
                     decimal="," if lang == "id" else ".")
    return {**numbers, "plot": plot, "notes": notes, "lang": lang}


def _solve(args, rows, key, effect, max_size):
    """Run ``es.power.solve`` with ``args`` and append its row; a design not feasible within ``max_size``
    gets a row with ``found=False`` and ``size=max_size`` (shown as "more than max_size")."""
    args = dict(args)
    kind = args.pop("kind")
    try:
        res = pw.solve(kind, **args)
    except EngageSurveyError:
        rows.append(_row(key, None, float(max_size), found=False, effect=effect))
        return None
    size = float(res.n_units) if "per_unit" in args else float(res.n)
    rows.append(_row(key, res, size, effect=effect))
    return int(size)


def curve_svg(sizes, powers, lower, upper, *, target: float, found=None, xlabel: str = "", ylabel: str = "",
              decimal: str = ".", width: int = 560, height: int = 280) -> Markup:
    """Power curve as an inline SVG: the Monte Carlo CI as a band, the target as a dashed line, the size
    found marked. Labels are escaped; returned as Markup for Jinja2."""
    L, R, T, B = 52, 16, 14, 42
    if not sizes:
        return Markup("")
    x0, x1 = float(min(sizes)), float(max(sizes))
    x1 = x1 if x1 > x0 else x0 + 1

    def sx(v):
        return L + (v - x0) / (x1 - x0) * (width - L - R)

    def sy(p):
        return T + (1 - p) * (height - T - B)

    def f(v, d=1):
        return escape(f"{v:.{d}f}".replace(".", decimal))

    band = " ".join(f"{sx(s):.1f},{sy(p):.1f}" for s, p in zip(sizes, upper))
    band += " " + " ".join(f"{sx(s):.1f},{sy(p):.1f}" for s, p in zip(sizes[::-1], lower[::-1]))
    pts = " ".join(f"{sx(s):.1f},{sy(p):.1f}" for s, p in zip(sizes, powers))
    parts = [f'<rect x="{L}" y="{T}" width="{width - L - R}" height="{height - T - B}" fill="none" stroke="#ccc"/>',
             f'<polygon points="{band}" fill="#3b6ea5" fill-opacity="0.18" stroke="none"/>',
             (f'<line x1="{L}" x2="{width - R}" y1="{sy(target):.1f}" y2="{sy(target):.1f}" stroke="#b3261e" '
              f'stroke-dasharray="5 3"/>'),
             f'<polyline points="{pts}" fill="none" stroke="#3b6ea5" stroke-width="2"/>']
    parts += [f'<circle cx="{sx(s):.1f}" cy="{sy(p):.1f}" r="3" fill="#3b6ea5"><title>{s}: {f(p, 3)} '
              f'[{f(lo, 3)}; {f(hi, 3)}]</title></circle>' for s, p, lo, hi in zip(sizes, powers, lower, upper)]
    if found is not None and x0 <= found <= x1:
        parts.append(f'<line x1="{sx(found):.1f}" x2="{sx(found):.1f}" y1="{T}" y2="{height - B}" stroke="#555" '
                     f'stroke-dasharray="2 2"/><text x="{sx(found) + 4:.1f}" y="{T + 12}" font-size="11">'
                     f'{int(found)}</text>')
    for p in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        parts.append(f'<text x="{L - 5}" y="{sy(p) + 3:.1f}" font-size="10" text-anchor="end">{f(p)}</text>')
    for s in sorted({x0, round((x0 + x1) / 2), x1}):
        parts.append(f'<text x="{sx(s):.1f}" y="{height - B + 14}" font-size="10" text-anchor="middle">'
                     f'{int(s)}</text>')
    parts.append(f'<text x="{(L + width - R) / 2:.0f}" y="{height - 8}" font-size="11" text-anchor="middle">'
                 f'{escape(xlabel)}</text>')
    mid = (T + height - B) / 2
    parts.append(f'<text x="13" y="{mid:.0f}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 13 {mid:.0f})">{escape(ylabel)}</text>')
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                  f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(ylabel)}">'
                  + "".join(parts) + "</svg>")
