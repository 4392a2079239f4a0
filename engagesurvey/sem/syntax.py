"""Parser for lavaan's model syntax.

Turns a model string such as ::

    visual  =~ x1 + x2 + x3      # a comment
    textual =~ x4 + a*x5 + NA*x6
    speed   ~ c(b1, b2)*visual
    ind := a*b

into a flat table of formulas (one row per lhs/op/rhs triple) with the modifiers that were written
(fixed value, label, start value, per-group vectors). The defaults lavaan adds (residual variances,
first loading fixed to one, ...) are added later by :mod:`engagesurvey.sem.partable`.

Checked against ``lavaan::lavParseModelString`` (lavaan 0.6-14): same operators, same rules for
multi-line formulas (a line ending in an operator or ``+``, or the next line starting with ``+``),
comments start with ``#`` or ``!``, ``;`` separates formulas.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ..errors import ModelSyntaxError

__all__ = ["Formula", "parse_model", "OPERATORS"]

# longest operators first so that "=~" is not read as "~"
OPERATORS = ("=~", "~~", ":=", "==", "<~", "~", "<", ">")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass
class Formula:
    """One lhs-op-rhs triple as written, with its modifiers (lists hold one entry per group)."""

    lhs: str
    op: str
    rhs: str
    line: int
    fixed: list | None = None  # list of float or None (None = free)
    label: list | None = None  # list of str or ""
    start: list | None = None
    free_forced: bool = False  # NA* was written: free even a parameter fixed by default
    extra: dict = field(default_factory=dict)


def _strip_comment(line: str) -> str:
    out = []
    quote = None
    for ch in line:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "#!":
            break
        out.append(ch)
    return "".join(out)


def _statements(text: str):
    """Yield (line_number, statement) after removing comments and joining continued lines."""
    if not isinstance(text, str):
        raise ModelSyntaxError(f"model must be a string with lavaan syntax, got {type(text).__name__}")
    pieces = []
    for no, raw in enumerate(text.splitlines(), start=1):
        for part in _strip_comment(raw).split(";"):
            part = part.strip()
            if part:
                pieces.append((no, part))
    joined = []
    for no, part in pieces:
        if joined:
            prev_no, prev = joined[-1]
            cont_prev = prev.endswith(("+", "*", "=~", "~", ":=", ",", "(")) or prev.count("(") > prev.count(")")
            if cont_prev or part.startswith(("+", "*")):
                joined[-1] = (prev_no, prev + " " + part)
                continue
        joined.append((no, part))
    return joined


def _find_operator(stmt: str, no: int):
    depth = 0
    i = 0
    while i < len(stmt):
        ch = stmt[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            for op in OPERATORS:
                if stmt.startswith(op, i):
                    return op, stmt[:i].strip(), stmt[i + len(op):].strip()
        i += 1
    raise ModelSyntaxError(f"line {no}: no operator (=~, ~, ~~, :=) in {stmt!r}")


def _split_top(s: str, sep: str):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def _check_name(tok: str, no: int, what: str = "variable name") -> str:
    if not _NAME.match(tok):
        raise ModelSyntaxError(f"line {no}: invalid {what} {tok!r}")
    return tok


def _modifier_values(mod: str, no: int):
    """Parse one modifier into a list of ('fixed'|'label'|'free'|'start', value) per group."""
    mod = mod.strip()
    m = re.match(r"^(start|label|equal|c)\s*\((.*)\)$", mod)
    kind = None
    if m:
        kind, inner = m.group(1), m.group(2)
        items = [x.strip() for x in _split_top(inner, ",")]
    else:
        items = [mod]
    out = []
    for it in items:
        if it == "":
            raise ModelSyntaxError(f"line {no}: empty modifier in {mod!r}")
        unq = it.strip("\"'")
        if kind == "start":
            if not _NUM.match(unq):
                raise ModelSyntaxError(f"line {no}: start value must be a number, got {it!r}")
            out.append(("start", float(unq)))
        elif kind in ("label", "equal"):
            out.append(("label", _check_name(unq, no, "label")))
        elif it == "NA":
            out.append(("free", None))
        elif _NUM.match(it):
            out.append(("fixed", float(it)))
        elif it.endswith("?") and _NUM.match(it[:-1]):
            out.append(("start", float(it[:-1])))
        else:
            out.append(("label", _check_name(unq, no, "label")))
    return out


def _term(term: str, no: int, op: str) -> tuple[str, list]:
    if term == "":
        raise ModelSyntaxError(f"line {no}: missing term (dangling '+' or operator)")
    parts = _split_top(term, "*")
    var = parts[-1]
    if op == "~" and var == "1":
        var = "1"
    else:
        _check_name(var, no)
    mods = [_modifier_values(p, no) for p in parts[:-1]]
    return var, mods


def _apply_mods(f: Formula, mods: list) -> None:
    for mod in mods:
        n = len(mod)
        for g, (kind, val) in enumerate(mod):
            if kind == "fixed":
                f.fixed = f.fixed or [None] * n
                f.fixed[g] = val
            elif kind == "free":
                f.free_forced = True
                f.fixed = f.fixed or [None] * n
            elif kind == "label":
                f.label = f.label or [""] * n
                f.label[g] = val
            elif kind == "start":
                f.start = f.start or [None] * n
                f.start[g] = val


def parse_model(model: str) -> list[Formula]:
    """Parse lavaan model syntax into a list of :class:`Formula` (one per lhs/op/rhs triple).

    Raises :class:`~engagesurvey.errors.ModelSyntaxError` naming the line and the offending token.
    """
    formulas: list[Formula] = []
    for no, stmt in _statements(model):
        op, lhs, rhs = _find_operator(stmt, no)
        if op in ("<~", "<", ">"):
            raise ModelSyntaxError(f"line {no}: operator {op!r} is not supported")
        if lhs == "":
            raise ModelSyntaxError(f"line {no}: nothing left of {op!r}")
        if rhs == "":
            raise ModelSyntaxError(f"line {no}: nothing right of {op!r}")
        if op == ":=":
            name = _check_name(lhs, no, "name of a defined parameter")
            expr = rhs.replace(" ", "")
            try:
                ast.parse(expr.replace("^", "**"), mode="eval")
            except SyntaxError:
                raise ModelSyntaxError(f"line {no}: cannot read the expression {rhs!r}") from None
            formulas.append(Formula(name, op, expr, no))
            continue
        if op == "==":
            formulas.append(Formula(lhs.replace(" ", ""), op, rhs.replace(" ", ""), no))
            continue
        lhs_terms = [_check_name(t, no) for t in _split_top(lhs, "+")]
        for lt in lhs_terms:
            for term in _split_top(rhs, "+"):
                var, mods = _term(term, no, op)
                f = Formula(lt, op, var if var != "1" else "", no)
                if var == "1":
                    f.op = "~1"
                _apply_mods(f, mods)
                formulas.append(f)
    if not formulas:
        raise ModelSyntaxError("line 1: the model is empty")
    return formulas
