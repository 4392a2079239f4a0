"""A transparent first-pass coder for open-ended answers (Indonesian and English): suggested codes only.

The coder is a dictionary of rules: each theme of the codebook lists keywords and phrases per language
(``keywords: {id: [...], en: [...]}``). A text gets a *suggested* code for a theme when one of its
phrases occurs in it; every suggestion records the rule that fired (theme, language, keyword) and the
matched span of the text (character offsets and the words), so an analyst can accept or reject each one.
Suggestions are never final coding: they are a starting point for a human coder, and
:func:`evaluate_coder` reports precision / recall / F1 of the rules against a human-coded sample.

Matching. Texts and keywords are split into words (letters/digits, hyphenated words kept whole).
Indonesian words are reduced to their stem, so ``dilibatkan``, ``terlibat`` and ``melibatkan`` all match
the keyword ``terlibat`` (stem ``libat``); English words are lower-cased and lose a plural ``s``. A
phrase matches consecutive words. Two markers change a keyword: a leading ``=`` matches the word exactly
(no stemming: ``=masukan`` "input" must not match ``masuk`` "enter"), a trailing ``*`` matches any word
starting with it (``kompeten*``). Negation is not handled ("tidak ada umpan balik" suggests *feedback*:
the theme is talked about), which is one reason a human must review.

Stemming. With ``stemmer="auto"`` (default) the coder uses Sastrawi (``pip install PySastrawi``; the
maintained Indonesian stemmer, Nazief-Adriani with Asian's extensions) when it is installed; otherwise a
minimal built-in affix stripper in the Nazief-Adriani order (particles -lah/-kah/-tah/-pun, possessives
-ku/-mu/-nya, suffixes -kan/-an/-i, then prefixes di-/ke-/se-/ter-/ber-/me(N)-/pe(N)-, keeping at least
three letters) without a root-word dictionary, so it over- and under-stems more often than Sastrawi.
``.stemmer`` on the result says which one ran.

References
----------
Adriani, M., Asian, J., Nazief, B., Tahaghoghi, S. M. M., & Williams, H. E. (2007). Stemming Indonesian:
A confix-stripping approach. ACM TALIP, 6(4), 1-33.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .._results import ResultMixin
from ..errors import EngageSurveyError
from .codebook import load_codebook

_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)
FINAL_NOTE = "suggested codes (first pass): not final coding; review every suggestion"


# --------------------------------------------------------------------------------------------- stemming


def simple_stem_id(word: str) -> str:
    """Minimal Indonesian affix stripper (Nazief-Adriani order, no dictionary); see the module docstring."""
    w = word.lower()
    if "-" in w:  # reduplication: buru-buru -> buru ; terburu-buru -> buru
        parts = w.split("-")
        if len(parts) == 2 and parts[0].endswith(parts[1]):
            w = parts[1]
        else:
            return w

    def ok(stem):
        return len(stem) >= 3

    for suf in ("lah", "kah", "tah", "pun"):
        if w.endswith(suf) and ok(w[: -len(suf)]):
            w = w[: -len(suf)]
            break
    for suf in ("nya", "ku", "mu"):
        if w.endswith(suf) and ok(w[: -len(suf)]):
            w = w[: -len(suf)]
            break
    for suf in ("kan", "an", "i"):
        if w.endswith(suf) and ok(w[: -len(suf)]) and not (suf == "i" and w.endswith("si")):
            w = w[: -len(suf)]
            break
    for _ in range(2):
        for pre, repl in (("meng", ""), ("meny", "s"), ("mem", "p"), ("men", "t"), ("me", ""),
                          ("peng", ""), ("peny", "s"), ("pem", "p"), ("pen", "t"), ("pe", ""),
                          ("ber", ""), ("be", ""), ("ter", ""), ("di", ""), ("ke", ""), ("se", "")):
            if w.startswith(pre) and ok(w[len(pre):]):
                rest = w[len(pre):]
                if repl and rest[:1] in "aiueo":
                    rest = repl + rest
                w = rest
                break
        else:
            break
    return w


def _en_norm(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def _make_stemmer(kind):
    """(name, function) for the Indonesian stemmer."""
    if kind in ("auto", "sastrawi"):
        try:
            from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
        except ImportError:
            if kind == "sastrawi":
                raise EngageSurveyError("stemmer='sastrawi' needs PySastrawi: pip install PySastrawi") from None
        else:
            st = StemmerFactory().create_stemmer()
            return "sastrawi", lru_cache(maxsize=None)(lambda w: st.stem(w) or w.lower())
    if kind in ("auto", "simple"):
        return "simple", lru_cache(maxsize=None)(simple_stem_id)
    if kind is None or kind == "none":
        return "none", str.lower
    raise EngageSurveyError(f"stemmer must be 'auto', 'sastrawi', 'simple' or None, got {kind!r}")


# ------------------------------------------------------------------------------------------------ rules


@dataclass(frozen=True)
class _Rule:
    theme: str
    lang: str
    keyword: str
    parts: tuple  # ((mode, form), ...) mode: "id" stem, "en" norm, "exact", "prefix"


def _compile(codebook, langs, stem):
    rules = []
    for t in codebook.themes.values():
        for lang in langs:
            for kw in t.keywords.get(lang, ()):
                exact = kw.startswith("=")
                text = kw[1:] if exact else kw
                parts = []
                for m in _WORD.finditer(text):
                    tok = m.group(0)
                    if exact:
                        parts.append(("exact", tok.lower()))
                    elif m.end() < len(text) and text[m.end()] == "*":
                        parts.append(("prefix", tok.lower()))
                    else:
                        parts.append((lang, stem(tok) if lang == "id" else _en_norm(tok)))
                if parts:
                    rules.append(_Rule(t.id, lang, kw, tuple(parts)))
    return rules


def _matches(part, tok):
    mode, form = part
    if mode == "exact":
        return tok["low"] == form
    if mode == "prefix":
        return tok["low"].startswith(form)
    return tok[mode] == form


# ---------------------------------------------------------------------------------------------- results


@dataclass(repr=False)
class SuggestedCodes(ResultMixin):
    """Suggested codes from the first-pass coder. Not final coding: review every suggestion.

    ``.suggestions``: one row per rule that fired: unit theme lang keyword start end matched_text.
    ``.units``: every unit that was read (including those with no suggestion).
    """

    suggestions: pd.DataFrame
    units: list
    codebook: str
    stemmer: str
    langs: tuple
    notes: list = field(default_factory=lambda: [FINAL_NOTE])

    def __repr__(self) -> str:
        return (f"SuggestedCodes(units={len(self.units)}, suggestions={len(self.suggestions)}, "
                f"stemmer={self.stemmer!r}; first pass, not final coding)")

    def codes(self) -> pd.DataFrame:
        """Unique suggested (unit, code) pairs with the rules that fired, ``; ``-joined."""
        s = self.suggestions
        if s.empty:
            return pd.DataFrame(columns=["unit", "code", "n_rules", "rules"])
        rule = s["keyword"] + " @" + s["start"].astype(str) + "-" + s["end"].astype(str)
        g = s.assign(rule=rule).groupby(["unit", "theme"], sort=False)
        out = g.agg(n_rules=("rule", "size"), rules=("rule", "; ".join)).reset_index()
        return out.rename(columns={"theme": "code"})

    def to_coded(self, coder: str = "first_pass") -> pd.DataFrame:
        """Long ``unit coder code`` frame (for :func:`agreement` against a human coder)."""
        c = self.codes()
        return pd.DataFrame({"unit": c["unit"], "coder": coder, "code": c["code"]})

    def matrix(self) -> pd.DataFrame:
        """Units x themes, 1 where a code is suggested."""
        c = self.codes()
        m = pd.crosstab(c["unit"], c["code"]) if len(c) else pd.DataFrame()
        return (m > 0).astype(int).reindex(pd.Index(self.units, name="unit"), fill_value=0)

    def to_frame(self) -> pd.DataFrame:
        return self.suggestions.copy()

    def summary(self) -> str:
        c = self.codes()
        lines = [f"Suggested codes (first pass; NOT final coding) from codebook {self.codebook}, "
                 f"stemmer {self.stemmer}", f"{len(self.units)} texts, {c['unit'].nunique() if len(c) else 0} "
                 f"with at least one suggestion, {len(c)} suggested codes", ""]
        if len(c):
            lines.append(c["code"].value_counts().rename("texts").to_string())
        lines += [""] + [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def first_pass_code(texts, codebook="cid_themes", *, ids=None, lang: str = "both",
                    stemmer="auto") -> SuggestedCodes:
    """Suggest codes for open-ended answers from the codebook's keyword rules (first pass only).

    Parameters
    ----------
    texts : Series, list of str, or DataFrame with a ``text`` column (and ``unit``/``id``)
        Missing or blank texts get no suggestion (they are still listed in ``.units``).
    codebook : codebook id, path or :class:`Codebook`
    ids : sequence, optional
        Unit ids, one per text (default: the Series index, a ``unit`` column, or 0..n-1).
    lang : {"both", "id", "en"}
        Whose keyword lists to apply (default both: Indonesian answers often use English words).
    stemmer : {"auto", "sastrawi", "simple", None}

    Returns
    -------
    SuggestedCodes
        Every suggestion with the rule that fired and the matched span. Never final coding.
    """
    if lang not in ("both", "id", "en"):
        raise EngageSurveyError(f"first_pass_code: lang must be 'both', 'id' or 'en', got {lang!r}")
    cb = load_codebook(codebook)
    if isinstance(texts, pd.DataFrame):
        if "text" not in texts.columns:
            raise EngageSurveyError("first_pass_code: a DataFrame of texts needs a 'text' column")
        if ids is None:
            ids = next((texts[c] for c in ("unit", "id") if c in texts.columns), texts.index)
        texts = texts["text"]
    if isinstance(texts, str):
        raise EngageSurveyError("first_pass_code: give a list or Series of texts, not one string")
    series = pd.Series(list(texts) if not isinstance(texts, pd.Series) else texts.to_list(),
                       dtype=object)
    if ids is None:
        ids = texts.index if isinstance(texts, pd.Series) else range(len(series))
    ids = list(ids)
    if len(ids) != len(series):
        raise EngageSurveyError(f"first_pass_code: {len(ids)} ids for {len(series)} texts")
    if len(set(ids)) != len(ids):
        dup = pd.Series(ids, dtype=object)[pd.Series(ids, dtype=object).duplicated()].iloc[0]
        raise EngageSurveyError(f"first_pass_code: duplicate id {dup!r}")
    langs = ("id", "en") if lang == "both" else (lang,)
    name, stem = _make_stemmer(stemmer)
    rules = _compile(cb, langs, stem)
    by_first: dict = {}
    loose = []
    for r in rules:
        mode, form = r.parts[0]
        if mode == "prefix":
            loose.append(r)
        else:
            by_first.setdefault((mode if mode != "exact" else "low", form), []).append(r)
    rows = []
    for uid, text in zip(ids, series):
        if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
            continue
        text = str(text)
        toks = [{"low": m.group(0).lower(), "start": m.start(), "end": m.end(),
                 "id": stem(m.group(0)) if "id" in langs else None,
                 "en": _en_norm(m.group(0)) if "en" in langs else None} for m in _WORD.finditer(text)]
        for i, tok in enumerate(toks):
            cands = [*by_first.get(("low", tok["low"]), ()), *by_first.get(("id", tok["id"]), ()),
                     *by_first.get(("en", tok["en"]), ()), *loose]
            for r in cands:
                k = len(r.parts)
                if i + k > len(toks) or not all(_matches(p, toks[i + j]) for j, p in enumerate(r.parts)):
                    continue
                s, e = tok["start"], toks[i + k - 1]["end"]
                rows.append((uid, r.theme, r.lang, r.keyword, s, e, text[s:e]))
    sug = pd.DataFrame(rows, columns=["unit", "theme", "lang", "keyword", "start", "end", "matched_text"])
    sug = sug.drop_duplicates(["unit", "theme", "keyword", "start"]).reset_index(drop=True)
    return SuggestedCodes(suggestions=sug, units=ids, codebook=f"{cb.id} v{cb.version}", stemmer=name,
                          langs=langs)


# ------------------------------------------------------------------------------------------- evaluation


@dataclass(repr=False)
class CoderEvaluation(ResultMixin):
    """Precision / recall / F1 of suggested codes against human codes, per theme and overall."""

    table: pd.DataFrame
    micro: dict
    macro: dict
    n_units: int

    def __repr__(self) -> str:
        return (f"CoderEvaluation(n_units={self.n_units}, precision={self.micro['precision']:.3f}, "
                f"recall={self.micro['recall']:.3f}, f1={self.micro['f1']:.3f})")

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        lines = [f"Suggested codes against human codes: {self.n_units} units", "",
                 self.table.to_string(float_format=lambda x: f"{x:.3f}"), "",
                 f"micro: precision {self.micro['precision']:.3f}  recall {self.micro['recall']:.3f}  "
                 f"F1 {self.micro['f1']:.3f}",
                 f"macro: precision {self.macro['precision']:.3f}  recall {self.macro['recall']:.3f}  "
                 f"F1 {self.macro['f1']:.3f}", "", f"note: {FINAL_NOTE}"]
        return "\n".join(lines)


def explode_codes(frame: pd.DataFrame, column: str = "themes", unit: str = "unit", sep: str = ";") -> pd.DataFrame:
    """A frame with one ``sep``-joined list of codes per unit -> long ``unit code``."""
    for c in (unit, column):
        if c not in frame.columns:
            raise EngageSurveyError(f"explode_codes: column {c!r} not found")
    s = frame[column].fillna("").astype(str).str.split(sep)
    long = pd.DataFrame({"unit": frame[unit].to_numpy(), "code": s.to_numpy()}).explode("code")
    long["code"] = long["code"].str.strip()
    return long[long["code"] != ""].reset_index(drop=True)


def _as_pairs(obj, unit, code, role):
    if isinstance(obj, SuggestedCodes):
        return obj.codes()[["unit", "code"]], list(obj.units)
    data = getattr(obj, "data", obj)
    units_attr = list(getattr(obj, "units", []) or [])
    if not isinstance(data, pd.DataFrame):
        raise EngageSurveyError(f"evaluate_coder: {role} must be a DataFrame, got {type(obj).__name__}")
    if unit not in data.columns:
        raise EngageSurveyError(f"evaluate_coder: {role} has no unit column {unit!r}")
    if code not in data.columns:
        col = "theme" if "theme" in data.columns else ("themes" if "themes" in data.columns else None)
        if col is None:
            raise EngageSurveyError(f"evaluate_coder: {role} has no code column {code!r}")
        if col == "themes":
            return explode_codes(data, "themes", unit), units_attr or list(pd.unique(data[unit]))
        code = col
    d = data[[unit, code]].dropna().rename(columns={unit: "unit", code: "code"})
    return d, units_attr or list(pd.unique(data[unit]))


def evaluate_coder(suggested, human, *, unit: str = "unit", code: str = "code", themes=None) -> CoderEvaluation:
    """Precision, recall and F1 of suggested codes against human codes (a labelled sample).

    ``suggested``: :class:`SuggestedCodes` or a long (unit, code) frame; ``human``: a long (unit, code)
    frame, :class:`CodedData`, or a frame with a ``;``-joined ``themes`` column (as
    :func:`simulate_comments` returns). Units are those of the human sample (a suggestion for a unit
    the humans did not code is not counted). Per theme: tp fp fn support precision = tp / (tp + fp),
    recall = tp / (tp + fn), F1 = 2PR / (P + R) (NaN where undefined); micro pools the counts over
    themes, macro averages the per-theme values.
    """
    s, _ = _as_pairs(suggested, unit, code, "suggested")
    h, h_units = _as_pairs(human, unit, code, "human")
    units = set(h_units) | set(h["unit"])
    s = s[s["unit"].isin(units)]
    sp = set(map(tuple, s[["unit", "code"]].astype(str).to_numpy()))
    hp = set(map(tuple, h[["unit", "code"]].astype(str).to_numpy()))
    names = list(themes) if themes is not None else sorted({c for _, c in sp | hp})
    rows = []
    for t in names:
        st = {u for u, c in sp if c == t}
        ht = {u for u, c in hp if c == t}
        tp, fp, fn = len(st & ht), len(st - ht), len(ht - st)
        rows.append((t, tp, fp, fn, tp + fn, *_prf(tp, fp, fn)))
    table = pd.DataFrame(rows, columns=["theme", "tp", "fp", "fn", "support", "precision", "recall", "f1"]
                         ).set_index("theme")
    tp, fp, fn = table["tp"].sum(), table["fp"].sum(), table["fn"].sum()
    p, r, f = _prf(tp, fp, fn)
    return CoderEvaluation(table=table, micro={"precision": p, "recall": r, "f1": f},
                           macro={"precision": float(table["precision"].mean()),
                                  "recall": float(table["recall"].mean()), "f1": float(table["f1"].mean())},
                           n_units=len(units))


def _prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if (tp + fp) and (tp + fn) and (p + r) else float("nan")
    return float(p), float(r), float(f)
