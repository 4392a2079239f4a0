"""Codebooks as data: the YAML format for qualitative themes, its validation, and code look-up.

A codebook is one YAML file under ``codebooks/`` (bundled) or anywhere on disk, written in the same style
as the instruments (``docs/instruments.md``): an ``id``, a ``version``, bilingual (``id``/``en``) texts,
and a list of ``themes``. The format is documented in ``docs/qual.md``. :func:`load_codebook` validates
the whole file at once; a malformed file raises :class:`~engagesurvey.errors.InstrumentError` naming the
file and the field, e.g. ``codebooks/cid_themes.yaml: themes[3].parent: unknown parent theme 'barrier'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from .._paths import codebooks_dir
from ..errors import InstrumentError
from ..instrument import normalise_label, read_definition

LANGS = ("id", "en")
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_PATH_SEPS = re.compile(r"\s*(?:/|\\|::|>|\.)\s*")


@dataclass(frozen=True)
class Theme:
    """One theme (code) of a codebook. ``keywords``/``examples`` are ``{"id": [...], "en": [...]}``."""

    id: str
    label: dict
    definition: dict
    parent: str | None = None
    include: dict = field(default_factory=dict)
    exclude: dict = field(default_factory=dict)
    examples: dict = field(default_factory=dict)
    keywords: dict = field(default_factory=dict)
    aliases: tuple = ()

    def label_in(self, lang: str = "en") -> str:
        return self.label.get(lang) or self.label.get("en") or self.id


class Codebook:
    """A validated codebook: ``.id .version .title .themes`` (dict id -> :class:`Theme`, file order)."""

    def __init__(self, *, id, version, title, themes, description=None, provenance="", licence="",
                 source=None):
        self.id = id
        self.version = version
        self.title = title
        self.description = description or {}
        self.provenance = provenance
        self.licence = licence
        self.themes: dict[str, Theme] = themes
        self.source = source
        self._lookup = self._build_lookup()

    def __repr__(self) -> str:
        return f"Codebook(id={self.id!r}, version={self.version!r}, themes={list(self.themes)})"

    def __contains__(self, code) -> bool:
        return self.resolve(code) is not None

    def children(self, theme_id: str) -> list[str]:
        """Ids of the themes whose parent is ``theme_id``."""
        return [t.id for t in self.themes.values() if t.parent == theme_id]

    def top(self, theme_id: str) -> str:
        """The top-level ancestor of a theme (itself when it has no parent)."""
        t = self.themes[theme_id]
        while t.parent is not None:
            t = self.themes[t.parent]
        return t.id

    def path(self, theme_id: str) -> str:
        """``parent/child`` path of a theme."""
        parts = [theme_id]
        t = self.themes[theme_id]
        while t.parent is not None:
            parts.append(t.parent)
            t = self.themes[t.parent]
        return "/".join(reversed(parts))

    def _build_lookup(self) -> dict:
        table: dict = {}
        for t in self.themes.values():
            names = [t.id, self.path(t.id), *t.label.values(), *t.aliases]
            for name in names:
                key = _norm_code(name)
                table.setdefault(key, t.id)
        return table

    def resolve(self, code):
        """The theme id a code written in an export stands for, or ``None``.

        Matches (case, spaces and ``_``/``-`` ignored) the theme id, its ``parent/child`` path (also written
        with ``.``, ``>``, ``::`` or ``\\``), either label, or an alias. A path whose last part names a
        theme matches only when its earlier parts are that theme's ancestors.
        """
        if code is None or (isinstance(code, float) and code != code):
            return None
        key = _norm_code(code)
        if not key:
            return None
        hit = self._lookup.get(key)
        if hit is not None:
            return hit
        parts = [p for p in _PATH_SEPS.split(str(code)) if p.strip()]
        if len(parts) > 1:
            last = self._lookup.get(_norm_code(parts[-1]))
            if last is not None:
                chain = [_norm_code(p) for p in parts[:-1]]
                anc, t = [], self.themes[last]
                while t.parent is not None:
                    anc.append(t.parent)
                    t = self.themes[t.parent]
                anc_ok = [self._lookup.get(c) for c in chain]
                if anc_ok == list(reversed(anc))[-len(chain):]:
                    return last
        return None

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """One row per theme: id, parent, label, definition (in ``lang``), number of keywords."""
        rows = [{"theme": t.id, "parent": t.parent, "label": t.label_in(lang),
                 "definition": t.definition.get(lang, ""),
                 "n_keywords": sum(len(v) for v in t.keywords.values())} for t in self.themes.values()]
        return pd.DataFrame(rows)

    def summary(self, lang: str = "en") -> str:
        lines = [f"Codebook {self.id} v{self.version}: {self.title.get(lang, self.id)}"]
        for t in self.themes.values():
            indent = "    " if t.parent else "  "
            lines.append(f"{indent}{t.id}: {t.label_in(lang)}")
        return "\n".join(lines)


def _norm_code(text) -> str:
    return normalise_label(text).replace("_", " ").replace("-", " ").replace("  ", " ").strip()


# ----------------------------------------------------------------------------------------------- loading


def list_codebooks() -> list[str]:
    """Ids of the bundled codebooks."""
    return sorted(p.stem for p in codebooks_dir().glob("*.yaml"))


def load_codebook(name_or_path="cid_themes") -> Codebook:
    """Load a bundled codebook by id, or a YAML file by path, validating all of it."""
    if isinstance(name_or_path, Codebook):
        return name_or_path
    raw, path = read_definition(name_or_path, codebooks_dir(), "codebook", list_codebooks)
    return codebook_from_dict(raw, source=str(path))


_TOP = {"id", "version", "title", "description", "provenance", "licence", "license", "themes"}
_THEME = {"id", "label", "definition", "parent", "include", "exclude", "examples", "keywords", "aliases"}


def codebook_from_dict(raw, *, source="<dict>") -> Codebook:
    """Validate a parsed codebook definition and build the :class:`Codebook`."""

    def fail(where, msg):
        raise InstrumentError(f"{source}: {where}: {msg}")

    def bilingual(value, where, required=True):
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            fail(where, "needs texts in both languages as {id: ..., en: ...}")
        missing = [lg for lg in LANGS if not str(value.get(lg) or "").strip()]
        if missing:
            fail(where, f"missing the {' and '.join(missing)} text (both 'id' and 'en' are required)")
        return {k: str(v).strip() for k, v in value.items()}

    def phrase_lists(value, where):
        if value is None:
            return {}
        if not isinstance(value, dict) or set(value) - set(LANGS):
            fail(where, "must be {id: [...], en: [...]} (lists of phrases per language)")
        out = {}
        for lg, items in value.items():
            if not isinstance(items, list):
                fail(f"{where}.{lg}", "must be a list of phrases")
            for k, x in enumerate(items):
                if not isinstance(x, str) or not x.strip().lstrip("="):
                    fail(f"{where}.{lg}[{k}]", f"{x!r} is not a non-empty phrase")
            out[lg] = tuple(x.strip() for x in items)
        return out

    if not isinstance(raw, dict):
        fail("(top level)", "a codebook file must be a mapping of fields")
    unknown = sorted(set(raw) - _TOP)
    if unknown:
        fail(unknown[0], f"unknown field (known: {', '.join(sorted(_TOP))})")
    for req in ("id", "version", "title", "themes"):
        if req not in raw:
            fail(req, "required field is missing")
    if not isinstance(raw["id"], str) or not _ID_RE.match(raw["id"]):
        fail("id", f"{raw['id']!r} is not a valid identifier (letters, digits, _)")
    title = bilingual(raw["title"], "title")
    desc = bilingual(raw.get("description"), "description", required=False)
    block = raw["themes"]
    if not isinstance(block, list) or not block:
        fail("themes", "must be a non-empty list of themes")
    themes: dict[str, Theme] = {}
    parents: dict[str, tuple[str, str]] = {}
    for k, t in enumerate(block):
        where = f"themes[{k}]"
        if not isinstance(t, dict) or "id" not in t:
            fail(where, "a theme needs an id")
        tid = t["id"]
        if not isinstance(tid, str) or not _ID_RE.match(tid):
            fail(f"{where}.id", f"{tid!r} is not a valid identifier (letters, digits, _)")
        extra = sorted(set(t) - _THEME)
        if extra:
            fail(f"{where}.{extra[0]}", f"unknown field in theme {tid!r} (known: {', '.join(sorted(_THEME))})")
        if tid in themes:
            fail(f"{where}.id", f"duplicate theme id {tid!r}")
        aliases = t.get("aliases") or []
        if not isinstance(aliases, list):
            fail(f"{where}.aliases", "must be a list")
        parent = t.get("parent")
        if parent is not None:
            parents[tid] = (str(parent), f"{where}.parent")
        themes[tid] = Theme(
            id=tid, label=bilingual(t.get("label"), f"{where}.label (theme {tid!r})"),
            definition=bilingual(t.get("definition"), f"{where}.definition (theme {tid!r})"),
            parent=None if parent is None else str(parent),
            include=bilingual(t.get("include"), f"{where}.include", required=False),
            exclude=bilingual(t.get("exclude"), f"{where}.exclude", required=False),
            examples=phrase_lists(t.get("examples"), f"{where}.examples"),
            keywords=phrase_lists(t.get("keywords"), f"{where}.keywords"),
            aliases=tuple(str(a) for a in aliases),
        )
    for tid, (parent, where) in parents.items():
        if parent not in themes:
            fail(where, f"unknown parent theme {parent!r} of theme {tid!r}")
        seen, cur = {tid}, parent
        while cur is not None:
            if cur in seen:
                fail(where, f"theme {tid!r} is its own ancestor (a cycle through {cur!r})")
            seen.add(cur)
            cur = themes[cur].parent
    owner: dict = {}
    for t in themes.values():
        for name in (t.id, *t.label.values(), *t.aliases):
            key = _norm_code(name)
            if key in owner and owner[key] != t.id:
                fail(f"themes '{t.id}'", f"name {name!r} also names theme {owner[key]!r}")
            owner[key] = t.id
    return Codebook(
        id=raw["id"], version=str(raw["version"]), title=title, themes=themes, description=desc,
        provenance=str(raw.get("provenance", "")), licence=str(raw.get("licence", raw.get("license", ""))),
        source=source,
    )
