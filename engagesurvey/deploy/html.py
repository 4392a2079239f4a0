"""A printable HTML copy of an instrument: for paper administration and for an ethics review.

Both languages side by side (Indonesian first), every response option as a box with its code printed
under it (for data entry), numeric items as a line to write on, the instrument id, version, provenance
and licence in the header. Rendered with Jinja2 (``reports/instrument_print.html.j2``) with
autoescaping on, so item texts cannot inject markup; CSS is inline and the page prints on A4.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from .._paths import reports_dir
from ..instrument import Instrument
from . import _plan
from ._plan import code_text, metadata, metadata_line, num_text, text

TEMPLATE = "instrument_print.html.j2"


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_dir())),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def context(instrument: Instrument, *, lang: str = "both") -> dict:
    langs = _plan.check_lang(lang)
    number = 0
    blocks = []
    for block in _plan.plan(instrument):
        runs = []
        for run in block.runs(instrument):
            rs = instrument.response_scales[run[0].response_scale]
            items = []
            for it in run:
                number += 1
                items.append({"id": it.id, "number": number, "text": [text(it.text, lg) for lg in langs]})
            unit = ""
            if rs.numeric:
                lo, hi = _plan.numeric_bounds(rs)
                unit = "%" if (lo, hi) == (0, 100) else (
                    f"({num_text(lo)}–{num_text(hi)})" if lo is not None and hi is not None else "")
            runs.append({"numeric": rs.numeric, "unit": unit, "rows": items,
                         "options": [{"code": code_text(o.code), "label": [text(o.label, lg) for lg in langs]}
                                     for o in rs.options]})
        note = ""
        if block.constant_sum is not None:
            t = num_text(block.constant_sum.total)
            msgs = {"id": f"Jumlah ketiga angka harus {t}." if len(block.items) == 3 else f"Jumlahnya harus {t}.",
                    "en": f"The numbers must add up to {t}."}
            note = " / ".join(msgs[lg] for lg in langs)
        blocks.append({"id": block.id, "label": [text(block.label, lg) for lg in langs], "runs": runs,
                       "total_note": note})
    descriptions = [{"lang": lg, "text": text(instrument.description, lg)} for lg in langs
                    if text(instrument.description, lg)]
    return {
        "langs": langs, "meta": metadata(instrument), "meta_line": metadata_line(instrument),
        "title": text(instrument.title, langs[0]),
        "alt_title": text(instrument.title, langs[1]) if len(langs) > 1 else "",
        "provenance": re.sub(r"\s+", " ", str(instrument.provenance or "")).strip(),
        "licence": re.sub(r"\s+", " ", str(instrument.licence or "")).strip(),
        "descriptions": descriptions, "blocks": blocks, "n_items": number,
    }


def render_html(instrument: Instrument, *, lang: str = "both") -> str:
    """The printable HTML as a string."""
    return _env().get_template(TEMPLATE).render(**context(instrument, lang=lang))


def write_html(instrument: Instrument, out_path, *, lang: str = "both") -> Path:
    out = Path(out_path)
    out.write_text(render_html(instrument, lang=lang), encoding="utf-8")
    return out


def read_metadata(path) -> dict | None:
    blob = Path(path).read_text(encoding="utf-8", errors="replace")
    m = re.search(r'<meta name="engagesurvey-instrument" content="([^"\s]+) ([^"\s]+)"', blob)
    if m:
        return _plan._split_parts(m.group(1), m.group(2))
    return _plan.parse_metadata_line(blob)
