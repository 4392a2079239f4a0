"""Deploying an instrument: from the YAML definition to a live survey form, and back.

``export_instrument(instrument, format, out_path)`` writes the form for one platform:

* ``xlsform``: an XLSForm workbook for KoboToolbox, ODK and Ona;
* ``limesurvey``: LimeSurvey's tab-separated survey structure (``.txt``), importable as a survey;
* ``qualtrics``: a Qualtrics survey file (``.qsf``);
* ``html``: a printable copy for paper administration and ethics review.

Every form names its questions so that the platform's response export carries the item ids (or names
the importer maps back to them), stores answers as the instrument's option codes, and carries the
instrument id and version, which :func:`detect_instrument_version` reads back. See ``docs/deploying.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import EngageSurveyError
from ..instrument import Instrument, load_instrument
from ._plan import FORMATS, LANG_CHOICES, check_lang
from .html import write_html
from .limesurvey import write_limesurvey
from .qualtrics import write_qualtrics
from .xlsform import write_xlsform

__all__ = ["FORMATS", "LANG_CHOICES", "SUFFIXES", "detect_instrument_version", "export_instrument"]

SUFFIXES = {"xlsform": ".xlsx", "limesurvey": ".txt", "qualtrics": ".qsf", "html": ".html"}
_WRITERS = {"xlsform": write_xlsform, "limesurvey": write_limesurvey, "qualtrics": write_qualtrics,
            "html": write_html}


def export_instrument(instrument, format: str, out_path, *, lang: str = "both") -> Path:
    """Write ``instrument`` as a survey form for a platform.

    Parameters
    ----------
    instrument : Instrument or str
        An instrument, a bundled instrument id or a YAML path (a combined instrument works too).
    format : {"xlsform", "limesurvey", "qualtrics", "html"}
    out_path : path of the file to write (its folder must exist).
    lang : {"both", "id", "en"}
        Languages of the labels; with ``"both"`` Indonesian is the base language and English the
        translation.

    Returns the path written. Raises :class:`~engagesurvey.errors.EngageSurveyError` for an unknown
    format or language, or an instrument a platform cannot hold (e.g. a non-integer option code).
    """
    if format not in _WRITERS:
        raise EngageSurveyError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    check_lang(lang)
    inst = load_instrument(instrument) if not isinstance(instrument, Instrument) else instrument
    out = Path(out_path)
    if not out.parent.exists():
        raise EngageSurveyError(f"{out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise EngageSurveyError(f"{out}: is a folder; give a file name such as {inst.id}{SUFFIXES[format]}")
    return _WRITERS[format](inst, out, lang=lang)


def detect_instrument_version(path) -> dict:
    """Read the instrument id and version back from a form file written by :func:`export_instrument`.

    Works on XLSForms (``settings`` sheet and the ``engagesurvey_instrument`` field), LimeSurvey
    structures (``.txt``/``.lss``: the survey description), Qualtrics ``.qsf`` files and the printable
    HTML. Returns ``{"id": ..., "version": ..., "parts": {id: version, ...}}`` (``parts`` lists the
    instruments inside a combined one). Raises :class:`~engagesurvey.errors.EngageSurveyError` when the
    file is missing or carries no instrument metadata.
    """
    from . import html, limesurvey, qualtrics, xlsform

    p = Path(path)
    if not p.is_file():
        raise EngageSurveyError(f"{p}: file not found")
    head = p.read_bytes()[:8]
    found = None
    if head.startswith(b"PK"):
        found = xlsform.read_metadata(p)
    else:
        blob = p.read_text(encoding="utf-8-sig", errors="replace")
        stripped = blob.lstrip()
        if stripped.startswith("{"):
            try:
                json.loads(blob)
                found = qualtrics.read_metadata(p)
            except ValueError:
                found = None
        elif stripped[:15].lower().startswith(("<!doctype html", "<html")):
            found = html.read_metadata(p)
        else:
            found = limesurvey.read_metadata(p)
    if not found:
        raise EngageSurveyError(f"{p}: no engagesurvey instrument id/version found in this file")
    return found
