"""Path diagram of a simple mediation model as inline SVG (x -> m -> y with a, b and c')."""

from __future__ import annotations

from markupsafe import Markup, escape

from .i18n import fmt_number


def _est(values, key, lang):
    if key not in values:
        return ""
    est, lo, hi = values[key]
    return f"{fmt_number(est, lang, 2)} [{fmt_number(lo, lang, 2)}, {fmt_number(hi, lang, 2)}]"


def _wrap(text: str, width: int) -> list:
    """At most two lines of about ``width`` characters (the second shortened with an ellipsis)."""
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    if len(lines) > 2:
        lines = [lines[0], (" ".join(lines[1:]))[: width - 1] + "…"]
    return lines


def mediation_diagram(values: dict, *, labels=("X", "M", "Y"), lang: str = "en", width: int = 640,
                      height: int = 230) -> Markup:
    """``values``: {"a": (est, lo, hi), "b": ..., "c_prime": ..., "indirect": ...}; labels escaped."""
    bx, by = 190, 44
    pos = {"x": (20, 150), "m": ((width - bx) / 2, 20), "y": (width - bx - 20, 150)}
    boxes = []
    for key, label in zip(("x", "m", "y"), labels):
        x, y = pos[key]
        lines = _wrap(str(label), 28)
        top = y + by / 2 + 4 - 7 * (len(lines) - 1)
        spans = "".join(f'<tspan x="{x + bx / 2:.0f}" y="{top + 14 * k:.0f}">{escape(ln)}</tspan>'
                        for k, ln in enumerate(lines))
        boxes.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{bx}" height="{by}" rx="6" fill="#eef3f9" '
                     f'stroke="#3b6ea5"/><text font-size="11" text-anchor="middle">{spans}</text>')

    def arrow(x1, y1, x2, y2, text, tx, ty):
        return (f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#333" '
                f'stroke-width="1.5" marker-end="url(#arrowhead)"/>'
                f'<text x="{tx:.0f}" y="{ty:.0f}" font-size="11" text-anchor="middle">{escape(text)}</text>')

    xm, ym = pos["m"]
    xx, yx = pos["x"]
    xy, yy = pos["y"]
    parts = [
        arrow(xx + bx / 2, yx, xm + 10, ym + by, "a = " + _est(values, "a", lang), (xx + xm) / 2 + 20, (yx + ym) / 2 + 10),
        arrow(xm + bx - 10, ym + by, xy + bx / 2, yy, "b = " + _est(values, "b", lang), (xm + xy) / 2 + 100, (ym + yy) / 2 + 10),
        arrow(xx + bx, yx + by / 2, xy, yy + by / 2, "c′ = " + _est(values, "c_prime", lang), width / 2, yx + by / 2 - 6),
    ]
    ind = _est(values, "indirect", lang)
    footer = (f'<text x="{width / 2:.0f}" y="{height - 8}" font-size="12" text-anchor="middle" font-weight="bold">'
              f'a × b = {escape(ind)}</text>') if ind else ""
    defs = ('<defs><marker id="arrowhead" markerWidth="10" markerHeight="7" refX="9" refY="3.5" orient="auto">'
            '<polygon points="0 0, 10 3.5, 0 7" fill="#333"/></marker></defs>')
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                  f'viewBox="0 0 {width} {height}" role="img">{defs}{"".join(boxes)}{"".join(parts)}{footer}</svg>')
