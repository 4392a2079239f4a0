"""The ``engagesurvey`` command line. The only place in the package that prints.

A user's mistake (an :class:`~engagesurvey.errors.EngageSurveyError`, a missing file) ends with one line
on stderr and exit code 2, never a traceback. Long work shows progress on stderr.
"""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path

import click
from rich.console import Console

from .errors import EngageSurveyError

err = Console(stderr=True)
out = Console(soft_wrap=True)

LANG = click.option("--lang", type=click.Choice(["id", "en"]), default="en", show_default=True,
                    help="Language of labels and messages (id = Indonesian, en = English).")

MESSAGES = {
    "reading": {"id": "Membaca {f}", "en": "Reading {f}"},
    "scoring": {"id": "Menghitung skor", "en": "Scoring"},
    "simulating": {"id": "Mensimulasikan survei", "en": "Simulating the survey"},
    "report": {"id": "Menyusun laporan", "en": "Writing the report"},
    "validating": {"id": "Memvalidasi {i}", "en": "Validating {i}"},
    "testing": {"id": "Menguji hipotesis", "en": "Testing the hypotheses"},
    "coder": {"id": "Pengode tahap awal vs tema yang diketahui (jawaban terbuka simulasi): presisi {p:.3f}, "
                    "recall {r:.3f}, F1 {f:.3f} (saran kode, bukan pengodean final)",
              "en": "First-pass coder vs the known themes (simulated open-ended answers): precision {p:.3f}, "
                    "recall {r:.3f}, F1 {f:.3f} (suggested codes, not final coding)"},
    "wrote": {"id": "Ditulis", "en": "Wrote"},
    "rows": {"id": "baris dibaca {read}: diskor {scored}, sebagian {partial}, dikecualikan {excluded}",
             "en": "rows read {read}: scored {scored}, partial {partial}, excluded {excluded}"},
}


def msg(key: str, lang: str, **kw) -> str:
    return MESSAGES[key][lang].format(**kw)


def friendly(fn):
    """Turn a user's mistake into one line on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = fn(*args, **kwargs)
            seen = set()
            for w in caught:
                text = str(w.message)
                if text not in seen:
                    seen.add(text)
                    err.print(f"[yellow]note:[/] {text}", highlight=False, soft_wrap=True)
            return result
        except EngageSurveyError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            sys.exit(2)
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            err.print(f"[bold red]error:[/] {exc.strerror}: {exc.filename}", highlight=False, soft_wrap=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="engagesurvey")
def main():
    """engagesurvey: score, validate and test engagement surveys (Indonesian ASN and beyond)."""


# ----------------------------------------------------------------------------------- instruments


@main.group()
def instruments():
    """List and show the bundled instruments."""


@instruments.command("list")
@LANG
@friendly
def instruments_list(lang):
    """List the bundled instruments."""
    from .instrument import list_instruments, load_instrument

    for iid in list_instruments():
        inst = load_instrument(iid)
        out.print(f"{iid:<10} v{inst.version:<8} {len(inst.items):>3} items  {inst.title_in(lang)}",
                  highlight=False)


@instruments.command("show")
@click.argument("instrument")
@LANG
@friendly
def instruments_show(instrument, lang):
    """Show an instrument's scales and items (bundled id or YAML path)."""
    from .instrument import load_instrument

    inst = load_instrument(instrument)
    out.print(f"[bold]{inst.title_in(lang)}[/] ({inst.id} v{inst.version})", highlight=False)
    for sc in inst.scales.values():
        indent = "    " if sc.parent else "  "
        rule = f"{sc.scoring}, min_valid {sc.min_valid}" + ("" if sc.total else ", not scored as a total")
        out.print(f"{indent}{sc.id}: {sc.label.get(lang)} ({len(sc.items)} items; {rule})", highlight=False)
    for it in inst.all_items().values():
        mark = " (R)" if it.reverse else (" (attention check)" if it.attention else "")
        out.print(f"  {it.id:<16}{mark} {it.text.get(lang)}", highlight=False, soft_wrap=True)


# ------------------------------------------------------------------------------------------ score


def export_options(fn):
    """The options every command that reads a survey export shares: EXPORT, --instrument, --format,
    --id-column and --mapping."""
    for option in reversed((
        click.argument("export", type=click.Path(dir_okay=False)),
        click.option("--instrument", "-i", multiple=True, required=True,
                     help="Bundled instrument id or YAML path; repeat or comma-separate for several."),
        click.option("--format", "fmt", default="auto", show_default=True, help="Export format."),
        click.option("--id-column", default=None, help="Respondent id column."),
        click.option("--mapping", default=None, type=click.Path(dir_okay=False),
                     help="Mapping file (columns -> item ids)."),
    )):
        fn = option(fn)
    return fn


def _instrument_arg(values):
    from .instrument import combine_instruments

    ids = [v for value in values for v in value.split(",") if v]
    if not ids:
        raise EngageSurveyError("give at least one --instrument (a bundled id or a YAML file)")
    return combine_instruments(ids)


@main.command()
@export_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--min-valid", type=float, default=None,
              help="Override the minimum-valid rule: a count (>= 1) or a share in (0, 1).")
@click.option("--stream", is_flag=True, help="Score a CSV/Parquet export larger than memory in chunks.")
@click.option("--dask", "dask_scheduler", default=None,
              help="Score on a Dask cluster: a scheduler address (tcp://host:8786) or 'local'.")
@click.option("--chunk-rows", type=int, default=100_000, show_default=True, help="Rows per chunk (--stream).")
@click.option("--group", default=None, help="Accumulate moments per group (--stream/--dask).")
@click.option("--out-format", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="Score file format (--stream/--dask).")
@LANG
@friendly
def score(export, instrument, out_dir, fmt, id_column, mapping, min_valid, stream, dask_scheduler, chunk_rows,
          group, out_format, lang):
    """Read a survey EXPORT, score it, and write scores, reconciliation and the audit log."""
    from . import io as es_io
    from .scoring import check_min_valid, score as do_score

    inst = _instrument_arg(instrument)
    # on the command line 1, 2, ... are counts of items and a fraction is a share
    mv = check_min_valid(None if min_valid is None else int(min_valid) if min_valid >= 1 and
                         float(min_valid).is_integer() else float(min_valid), what="--min-valid")
    if stream or dask_scheduler:
        from .stream import score_large

        with err.status(msg("scoring", lang)):
            res = score_large(export, inst, out_dir, out_format=out_format, chunk_rows=chunk_rows, group=group,
                              id_column=id_column, mapping=mapping, min_valid=mv, dask=dask_scheduler)
        out.print(msg("rows", lang, **res.reconciliation), highlight=False)
        for p in res.paths.values():
            out.print(f"{msg('wrote', lang)} {p}", highlight=False)
        return
    with err.status(msg("reading", lang, f=export)):
        responses = es_io.read_responses(export, inst, format=fmt, id_column=id_column, mapping=mapping)
    with err.status(msg("scoring", lang)):
        result = do_score(responses, inst, min_valid=mv)
    paths = write_score_outputs(result, responses, Path(out_dir))
    out.print(msg("rows", lang, **result.counts()), highlight=False)
    for p in paths:
        out.print(f"{msg('wrote', lang)} {p}", highlight=False)


def write_score_outputs(result, responses, out_dir: Path) -> list:
    from .safe import safe_frame

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    frame = result.to_frame()
    # scores and reconciliation are indexed by input row; the two logs carry their own row column
    for name, table, by_row in (("scores.csv", frame, True), ("reconciliation.csv", result.reconciliation, True),
                                ("score_log.csv", result.log, False), ("read_log.csv", responses.log, False)):
        p = out_dir / name
        safe_frame(table).to_csv(p, index=by_row, index_label="row")
        paths.append(p)
    return paths


# --------------------------------------------------------------------------------------- validate


@main.command()
@export_options
@click.option("--group", default=None, help="Column to test measurement invariance across (e.g. agency).")
@click.option("--estimator", type=click.Choice(["ML", "MLR"]), default="ML", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the tables (CSV); nothing is written without it.")
@LANG
@friendly
def validate(export, instrument, group, estimator, out_dir, fmt, id_column, mapping, lang):
    """Reliability, EFA, CFA (fit, loadings, CR/AVE/HTMT) and invariance for each instrument."""
    from . import io as es_io
    from .instrument import load_instrument
    from .scoring import score as do_score
    from .validation import validate as do_validate

    inst = _instrument_arg(instrument)
    with err.status(msg("reading", lang, f=export)):
        responses = es_io.read_responses(export, inst, format=fmt, id_column=id_column, mapping=mapping)
        result = do_score(responses, inst, careless=False)
    for part in getattr(inst, "parts", {inst.id: inst.version}):
        part_inst = inst if part == inst.id else load_instrument(part)
        if not part_inst.scales:
            continue
        with err.status(msg("validating", lang, i=part)):
            report = do_validate(result, part_inst, group=group, estimator=estimator)
        out.print(report.summary(), highlight=False)
        out.print("")
        if out_dir is not None:
            from .safe import safe_frame

            d = Path(out_dir)
            d.mkdir(parents=True, exist_ok=True)
            safe_frame(report.to_frame()).to_csv(d / f"reliability_{part}.csv")
            safe_frame(report.fit_table()).to_csv(d / f"cfa_fit_{part}.csv")
            if report.cfa is not None:
                safe_frame(report.cfa.estimates).to_csv(d / f"cfa_estimates_{part}.csv", index=False)
            if report.invariance is not None:
                safe_frame(report.invariance.table).to_csv(d / f"invariance_{part}.csv")


# ------------------------------------------------------------------------------------------- test


@main.command("test")
@export_options
@click.option("--spec", default="default", show_default=True, help="Hypothesis spec (YAML path or 'default').")
@click.option("--seed", type=int, default=None, help="Seed for the bootstrap (default: the spec's).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for hypotheses.csv and checks.csv; nothing is written without it.")
@LANG
@friendly
def test_command(export, instrument, spec, seed, out_dir, fmt, id_column, mapping, lang):
    """Test the study's hypotheses (default H1-H6) on a survey export."""
    from . import io as es_io
    from .hypotheses import test as run_tests
    from .scoring import score as do_score

    inst = _instrument_arg(instrument)
    with err.status(msg("reading", lang, f=export)):
        responses = es_io.read_responses(export, inst, format=fmt, id_column=id_column, mapping=mapping)
        result = do_score(responses, inst, careless=False)
    report = _run_hypotheses(run_tests, result, spec, lang, seed)
    out.print(report.summary(), highlight=False)
    if out_dir is not None:
        _write_hypotheses(report, Path(out_dir))


def _run_hypotheses(run_tests, result, spec, lang, seed):
    from rich.progress import Progress

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(msg("testing", lang), total=None)
        return run_tests(result, spec, lang=lang, seed=seed,
                         progress=lambda done, total: bar.update(task, completed=done, total=total))


def _write_hypotheses(report, out_dir: Path) -> list:
    from .safe import safe_frame

    out_dir.mkdir(parents=True, exist_ok=True)
    p1, p2 = out_dir / "hypotheses.csv", out_dir / "hypothesis_checks.csv"
    safe_frame(report.table.drop(columns=["ci"])).to_csv(p1, index=False)
    safe_frame(report.checks).to_csv(p2, index=False)
    return [p1, p2]


# ----------------------------------------------------------------------------------------- report


@main.command()
@export_options
@click.option("--group", default=None,
              help="Grouping column for breakdowns and invariance [default: agency, when the export has it].")
@click.option("--unit", default=None, help="Work-unit column (heatmaps) [default: unit, when present].")
@click.option("--text", default=None, help="Free-text comment column (shown only for large groups).")
@click.option("--min-group", type=int, default=5, show_default=True,
              help="Minimum group size shown anywhere (never below 3).")
@click.option("--previous", default=None, type=click.Path(dir_okay=False),
              help="The previous wave's export, for a comparison.")
@click.option("--spec", default="default", show_default=True, help="Hypothesis spec (YAML path or 'default').")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--lang", type=click.Choice(["id", "en", "both"]), default="both", show_default=True,
              help="Report language(s).")
@friendly
def report(export, instrument, group, unit, text, min_group, previous, spec, seed, out_dir, fmt, id_column,
           mapping, lang):
    """Write the empirical test report (HTML per language, tables as .xlsx/CSV, results JSON)."""
    from . import io as es_io
    from .scoring import score as do_score

    inst = _instrument_arg(instrument)
    with err.status(msg("reading", "en" if lang == "both" else lang, f=export)):
        responses = es_io.read_responses(export, inst, format=fmt, id_column=id_column, mapping=mapping)
        result = do_score(responses, inst)
        prev = None
        if previous is not None:
            prev = do_score(es_io.read_responses(previous, inst, format=fmt, id_column=id_column,
                                                 mapping=mapping), inst)
    group, unit, text = (_column_option(result, col, default, flag) for col, default, flag in
                         ((group, "agency", "--group"), (unit, "unit", "--unit"), (text, None, "--text")))
    langs = ("id", "en") if lang == "both" else (lang,)
    paths = _build_report(result, Path(out_dir), langs=langs, source=export, group=group, unit=unit,
                          text=text, min_group=min_group, seed=seed, previous=prev, spec=spec)
    for p in paths:
        out.print(f"{msg('wrote', langs[0])} {p}", highlight=False)


def _column_option(result, given, default, flag):
    """A column named on the command line must exist; the default is used only when the data have it."""
    if given is None:
        return default if default in result.meta.columns else None
    if given not in result.meta.columns:
        raise EngageSurveyError(f"{flag} {given!r} is not a column of the export "
                                f"(columns: {', '.join(map(str, result.meta.columns[:12]))})")
    return given


def _build_report(result, out_dir, **kwargs):
    from rich.progress import Progress

    from .report import build_report

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("report", total=None)
        return build_report(result, out_dir, progress=lambda step: bar.update(task, description=step),
                            **kwargs)


# ------------------------------------------------------------------------------------------- demo


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--n-employees", type=int, default=3000, show_default=True)
@click.option("--n-units", type=int, default=150, show_default=True)
@click.option("--n-agencies", type=int, default=12, show_default=True)
@LANG
@friendly
def demo(out_dir, seed, n_employees, n_units, n_agencies, lang):
    """Simulate a multi-agency survey, read it back, score it, test H1-H6 and write the full report."""
    from . import io as es_io
    from .instrument import combine_instruments
    from .scoring import score as do_score
    from .simulate import DEMO_INSTRUMENTS, simulate

    out_dir = Path(out_dir)
    with err.status(msg("simulating", lang)):
        survey = simulate(n_agencies, n_units, n_employees, seed=seed, lang=lang)
        export = survey.write(out_dir / "demo_export.csv")
    inst = combine_instruments(DEMO_INSTRUMENTS)
    with err.status(msg("reading", lang, f=export)):
        responses = es_io.read_responses(export, inst, id_column="respondent_id")
    with err.status(msg("scoring", lang)):
        result = do_score(responses, inst)
    paths = write_score_outputs(result, responses, out_dir)
    from .hypotheses import test as run_tests

    hyp = _run_hypotheses(run_tests, result, "default", lang, seed)
    paths += _write_hypotheses(hyp, out_dir)
    from .report.mixed import demo_comments, mixed_context

    comments, human = demo_comments(result, seed=seed, lang="id")  # open-ended answers with known themes
    coder = mixed_context(result, comments, human_codes=human, seed=seed, lang=lang)["evaluation"]["micro"]
    paths += _build_report(result, out_dir, langs=("id", "en"), source=export, group="agency", unit="unit",
                           seed=seed, hypotheses=hyp, comments=comments, human_codes=human)
    out.print(msg("rows", lang, **result.counts()), highlight=False)
    out.print(hyp.summary(), highlight=False)
    out.print(msg("coder", lang, p=coder["precision"], r=coder["recall"], f=coder["f1"]), highlight=False)
    out.print(f"{msg('wrote', lang)} {export}", highlight=False)
    for p in paths:
        out.print(f"{msg('wrote', lang)} {p}", highlight=False)


# Commands defined next to the features they drive.
from .deploy.cli import register as _register_deploy  # noqa: E402

_register_deploy(instruments)

from .power_cli import register as _register_power  # noqa: E402

_register_power(main)

from .qual.cli import register as _register_qual  # noqa: E402

_register_qual(main)


if __name__ == "__main__":  # pragma: no cover
    main()
