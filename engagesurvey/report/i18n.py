"""Translation table (``reports/i18n.yaml``) and locale-aware number formatting."""

from __future__ import annotations

import math
from functools import lru_cache

import yaml

from .._paths import reports_dir
from ..errors import EngageSurveyError

LANGS = ("id", "en")


@lru_cache(maxsize=1)
def table() -> dict:
    with open(reports_dir() / "i18n.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise EngageSurveyError(f"unknown language {lang!r}; use 'id' (Indonesian) or 'en' (English)")
    return lang


def t(key: str, lang: str, **fmt) -> str:
    """The label ``key`` in ``lang``; formatting fields filled from ``fmt``."""
    entry = table().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**fmt) if fmt else text


def fmt_number(value, lang: str, digits: int = 2) -> str:
    """A number for display: Indonesian uses a decimal comma and a dot for thousands."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (int,)) or (isinstance(value, float) and value.is_integer() and digits == 0):
        text = f"{int(round(value)):,}"
    else:
        text = f"{value:,.{digits}f}"
    if lang == "id":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


_MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def fmt_date(moment, lang: str, *, time: bool = True) -> str:
    """A date as the locale writes it: "29 November 2026, 20.34 UTC" (id) / "29 November 2026, 20:34 UTC"."""
    text = f"{moment.day} {_MONTHS[lang][moment.month - 1]} {moment.year}"
    if time:
        sep = "." if lang == "id" else ":"
        text += f", {moment.hour:02d}{sep}{moment.minute:02d} UTC"
    return text
