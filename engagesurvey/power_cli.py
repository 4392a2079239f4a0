"""``engagesurvey power ...``: sample-size planning from the command line (power curve SVG + CSV).

The lead wires it in with ``register(main)`` in ``engagesurvey/cli.py``. Like the rest of the CLI it
prints (the library does not), shows a rich progress bar on stderr, writes files only under ``--out``, and
turns a user's mistake into one line and exit code 2.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


err = Console(stderr=True)
out = Console()

TEXT = {
    "simulating": {"en": "Simulating power", "id": "Mensimulasikan daya uji"},
    "found": {"en": "Smallest {key} with power >= {target:g}: {size}", "id": "{key} terkecil dengan daya uji >= "
              "{target:g}: {size}"},
    "power": {"en": "power = {p:.3f} (Monte Carlo 95% CI {lo:.3f}-{hi:.3f}, {reps} replications)",
              "id": "daya uji = {p:.3f} (IK 95% Monte Carlo {lo:.3f}-{hi:.3f}, {reps} replikasi)"},
    "wrote": {"en": "Wrote", "id": "Ditulis"},
    "x_n": {"en": "sample size (people)", "id": "ukuran sampel (orang)"},
    "x_units": {"en": "units", "id": "unit"},
    "x_arm": {"en": "units per arm", "id": "unit per kelompok"},
    "y": {"en": "power", "id": "daya uji"},
}


def _t(name, lang, **kw):
    return TEXT[name][lang].format(**kw)


def _plan(kind, design, key, target, size, reps, seed, out_dir, lang, xkey):
    from . import power
    from .report.planning import curve_svg

    fn = power.KINDS[kind]
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(_t("simulating", lang), total=None)

        def progress(done, total):
            bar.update(task, completed=done, total=total)

        if size is None:
            res = power.solve(kind, target=target, reps=reps, seed=seed, progress=progress, **design)
            size = res.n if key == "n" else int(res.n_units)
        else:
            res = fn(**design, **{key: size}, reps=reps, seed=seed, progress=progress)
        floor = power.min_size(kind, design)
        grid = sorted({max(floor, int(round(size * f))) for f in (0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)})
        rows = []
        for g in grid:  # same seed at every size: common random numbers give a smooth curve
            r = fn(**design, **{key: g}, reps=reps, seed=seed, progress=progress)
            rows.append((g, r.power, *r.ci))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, svg_path = out_dir / f"power_{kind}.csv", out_dir / f"power_{kind}.svg"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([key, "power", "ci_lower", "ci_upper"])
        w.writerows(rows)
    svg = curve_svg([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows],
                    target=target, found=size, xlabel=_t(xkey, lang), ylabel=_t("y", lang),
                    decimal="," if lang == "id" else ".")
    svg_path.write_text(str(svg), encoding="utf-8")
    if not math.isnan(res.target):  # solved
        out.print(_t("found", lang, key=key, target=target, size=size), highlight=False)
    out.print(_t("power", lang, p=res.power, lo=res.ci[0], hi=res.ci[1], reps=res.reps), highlight=False)
    out.print(res.summary(), highlight=False)
    for p in (csv_path, svg_path):
        out.print(f"{_t('wrote', lang)} {p}", highlight=False)


LANG = click.option("--lang", type=click.Choice(["id", "en"]), default="en", show_default=True,
                    help="Language of labels and messages (id = Indonesian, en = English).")
OUT = click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
COMMON = [click.option("--target", type=float, default=0.8, show_default=True, help="Target power."),
          click.option("--reps", type=int, default=1000, show_default=True, help="Monte Carlo replications."),
          click.option("--seed", type=int, default=2026, show_default=True), OUT, LANG]


def _common(fn):
    for opt in reversed(COMMON):
        fn = opt(fn)
    return fn


def register(main_group: click.Group) -> click.Group:
    """Add the ``power`` command group (mediation, cluster-trial, correlation) to ``main_group``."""
    from .cli import friendly  # one place turns a user's mistake into one line and exit code 2

    @main_group.group("power")
    def power_group():
        """Sample size and power by Monte Carlo simulation (power curve SVG + CSV)."""

    @power_group.command("mediation")
    @click.option("--a", "a", type=float, required=True, help="Standardised x -> m path.")
    @click.option("--b", "b", type=float, required=True, help="Standardised m -> y path.")
    @click.option("--c", "c", type=float, default=0.0, show_default=True, help="Direct effect c'.")
    @click.option("--n", type=int, default=None, help="Power at this size instead of solving for it.")
    @click.option("--per-unit", type=int, default=None, help="People per unit (clustered design).")
    @click.option("--icc", type=float, default=0.0, show_default=True)
    @click.option("--method", type=click.Choice(["joint", "bootstrap", "montecarlo"]), default="joint",
                  show_default=True)
    @_common
    @friendly
    def mediation_cmd(a, b, c, n, per_unit, icc, method, target, reps, seed, out_dir, lang):
        """Mediation x -> m -> y (within-unit indirect effect when --per-unit is given)."""
        design = {"a": a, "b": b, "c": c, "icc": icc, "method": method, "per_unit": per_unit}
        key = "n" if per_unit is None else "n_units"
        _plan("mediation", design, key, target, n, reps, seed, out_dir, lang, "x_n" if key == "n" else "x_units")

    @power_group.command("cluster-trial")
    @click.option("--d", "d", type=float, required=True, help="Standardised effect (total SD).")
    @click.option("--per-unit", type=int, required=True)
    @click.option("--icc", type=float, required=True)
    @click.option("--baseline-r", type=float, default=0.0, show_default=True)
    @click.option("--units-per-arm", type=int, default=None, help="Power at this size instead of solving.")
    @_common
    @friendly
    def cluster_cmd(d, per_unit, icc, baseline_r, units_per_arm, target, reps, seed, out_dir, lang):
        """Two-arm cluster-randomised rollout analysed on unit means."""
        design = {"d": d, "per_unit": per_unit, "icc": icc, "baseline_r": baseline_r}
        _plan("cluster_trial", design, "n_units_per_arm", target, units_per_arm, reps, seed, out_dir, lang, "x_arm")

    @power_group.command("correlation")
    @click.option("--r", "r", type=float, required=True)
    @click.option("--n", type=int, default=None)
    @_common
    @friendly
    def correlation_cmd(r, n, target, reps, seed, out_dir, lang):
        """Test of one correlation."""
        _plan("correlation", {"r": r}, "n", target, n, reps, seed, out_dir, lang, "x_n")

    return power_group
