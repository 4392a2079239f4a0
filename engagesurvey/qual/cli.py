"""``engagesurvey qual ...``: the mixed-methods commands. Wire with ``register(main)`` in ``cli.py``.

Commands: ``qual codebook`` (show a codebook), ``qual agreement`` (coders' agreement from QDA exports),
``qual code`` (suggested codes for open answers; first pass, not final coding), ``qual cases``
(interview sampling frame). Printing happens here only.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import EngageSurveyError
from ..safe import safe_frame
from .imports import read_table

TEXT = {
    "suggested": {"id": "Kode usulan (tahap awal; BUKAN pengodean akhir, tinjau setiap usulan)",
                  "en": "Suggested codes (first pass; NOT final coding, review every suggestion)"},
    "wrote": {"id": "Ditulis", "en": "Wrote"},
}


def register(main_group: click.Group) -> click.Group:
    """Add the ``qual`` command group to the top-level click group and return it."""
    from ..cli import LANG, err, friendly, out

    @main_group.group()
    def qual():
        """Mixed methods: codebooks, coder agreement, suggested codes, interview case selection."""

    @qual.command("codebook")
    @click.argument("name", default="cid_themes")
    @LANG
    @friendly
    def codebook_cmd(name, lang):
        """Show a codebook (a bundled id or a YAML file)."""
        from .codebook import load_codebook

        out.print(load_codebook(name).summary(lang), highlight=False)

    @qual.command("agreement")
    @click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @click.option("--codebook", default=None, help="Codebook id or YAML file to check codes against.")
    @click.option("--format", "fmt", default="auto", show_default=True,
                  type=click.Choice(["auto", "taguette", "qualcoder", "plain", "matrix"]))
    @click.option("--report-problems", is_flag=True, help="List problem rows instead of stopping at the first.")
    @click.option("--seed", type=int, default=None, help="Seed for the bootstrap CI of alpha.")
    @click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Output folder.")
    @LANG
    @friendly
    def agreement_cmd(files, codebook, fmt, report_problems, seed, out_dir, lang):
        """Agreement between coders from coded exports (one file per coder, or files with a coder column)."""
        from .agreement import agreement
        from .imports import read_coded

        with err.status(f"Reading {len(files)} file(s)"):
            coded = read_coded(list(files), format=fmt, codebook=codebook,
                               on_unknown="report" if report_problems else "error")
        if len(coded.problems):
            err.print(coded.problems.to_string(index=False), highlight=False)
        data = coded.data[["unit", "coder", "theme"]]
        res = agreement(data, code="theme", seed=seed)
        out.print(res.summary(), highlight=False)
        if out_dir:
            d = Path(out_dir)
            d.mkdir(parents=True, exist_ok=True)
            p = d / "agreement_by_code.csv"
            safe_frame(res.by_code).to_csv(p)
            out.print(f"{TEXT['wrote'][lang]} {p}", highlight=False)

    @qual.command("code")
    @click.argument("texts", type=click.Path(dir_okay=False))
    @click.option("--text-column", default="text", show_default=True)
    @click.option("--id-column", default=None, help="Column with the respondent/unit id.")
    @click.option("--codebook", default="cid_themes", show_default=True)
    @click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
    @LANG
    @friendly
    def code_cmd(texts, text_column, id_column, codebook, out_dir, lang):
        """Suggest codes for open-ended answers (first pass; a human must review them)."""
        from .coder import first_pass_code

        frame = read_table(texts, as_text=False)
        for c in [text_column] + ([id_column] if id_column else []):
            if c not in frame.columns:
                raise EngageSurveyError(f"{texts}: column {c!r} not found")
        ids = frame[id_column] if id_column else None
        with err.status("Coding"):
            sug = first_pass_code(frame[text_column], codebook, ids=ids)
        out.print(TEXT["suggested"][lang], highlight=False)
        out.print(sug.summary(), highlight=False)
        d = Path(out_dir)
        d.mkdir(parents=True, exist_ok=True)
        for name, table in (("suggested_codes.csv", sug.codes()), ("suggested_rules.csv", sug.suggestions)):
            safe_frame(table).to_csv(d / name, index=False)
            out.print(f"{TEXT['wrote'][lang]} {d / name}", highlight=False)

    @qual.command("cases")
    @click.argument("scores", type=click.Path(dir_okay=False))
    @click.option("--outcome", default="we", show_default=True)
    @click.option("--group", default="unit", show_default=True)
    @click.option("--stratum", default="agency", show_default=True, help="Stratum column ('' for none).")
    @click.option("--n-per-type", type=int, default=2, show_default=True)
    @click.option("--seed", type=int, default=2026, show_default=True)
    @click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True, help="CSV to write.")
    @LANG
    @friendly
    def cases_cmd(scores, outcome, group, stratum, n_per_type, seed, out_file, lang):
        """Interview sampling frame: positive/negative deviant and typical units per stratum."""
        from .cases import select_cases

        frame = read_table(scores, as_text=False)
        with err.status("Fitting the multilevel model"):
            res = select_cases(frame, outcome, group, stratum or None, n_per_type=n_per_type, seed=seed,
                               out=out_file)
        out.print(res.summary(), highlight=False)
        out.print(f"{TEXT['wrote'][lang]} {out_file}", highlight=False)

    return qual
