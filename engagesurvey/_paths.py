"""Where the bundled instruments, codebooks and report templates live.

In a wheel they are shipped inside the package (``engagesurvey/_bundled/``); in a source checkout or an
editable install they are the top-level ``instruments/`` and ``reports/`` folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PKG / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PKG.parent / name


def instruments_dir() -> Path:
    """Folder holding the bundled instrument YAML files."""
    return _bundled("instruments")


def reports_dir() -> Path:
    """Folder holding the Jinja2 report templates."""
    return _bundled("reports")


def codebooks_dir() -> Path:
    """Folder holding the bundled qualitative codebooks (``codebooks/``)."""
    return _bundled("codebooks")
