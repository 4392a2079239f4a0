"""``engagesurvey instruments export``: write an instrument as a survey form.

The main CLI (``engagesurvey/cli.py``) calls :func:`register` with its ``instruments`` group::

    from .deploy.cli import register as _register_deploy
    _register_deploy(instruments)
"""

from __future__ import annotations


import click

from ._plan import FORMATS, LANG_CHOICES


def register(cli_group) -> click.Command:
    """Add the ``export`` command to ``cli_group`` (the ``instruments`` group); returns the command."""
    from ..cli import friendly

    @cli_group.command("export")
    @click.argument("instrument", nargs=-1, required=True)
    @click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True,
                  help="xlsform (Kobo/ODK/Ona), limesurvey (.txt structure), qualtrics (.qsf) or html (print).")
    @click.option("--lang", type=click.Choice(list(LANG_CHOICES)), default="both", show_default=True,
                  help="Languages of the form (both = Indonesian with an English translation).")
    @click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True, help="File to write.")
    @friendly
    def instruments_export(instrument, fmt, lang, out_path):
        """Write INSTRUMENT (bundled ids or YAML files; several are combined) as a survey form."""
        from ..instrument import combine_instruments
        from . import export_instrument

        ids = [v for value in instrument for v in value.split(",") if v]
        inst = combine_instruments(ids)
        path = export_instrument(inst, fmt, out_path, lang=lang)
        click.echo(f"Wrote {path} ({fmt}, {inst.id} {inst.version})")

    return instruments_export
