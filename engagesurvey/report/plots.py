"""More inline SVG plots for the reports: heatmap, 100% stacked bars, forest (estimate and CI) plot.

Like :mod:`engagesurvey.report.svg`: no JavaScript, no external requests, every text escaped (labels
may be user data such as unit names), returned as :class:`markupsafe.Markup` for Jinja2.
"""

from __future__ import annotations

import numpy as np
from markupsafe import Markup, escape

FONT = 'font-family="Segoe UI, Roboto, Arial, sans-serif"'
# a colour-blind-safe diverging ramp (ColorBrewer RdYlBu, 7 classes), low -> high
RAMP = ("#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4")
# answer categories, lowest -> highest (ColorBrewer RdBu-like, up to 11)
_CAT_LOW, _CAT_MID, _CAT_HIGH = (202, 0, 32), (247, 247, 247), (5, 113, 176)


def _svg(width: float, height: float, body: str, label: str = "") -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}" {FONT}>'
        f"{body}</svg>"
    )


def _short(text, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit(label_w: int) -> int:
    """How many characters of an 11px label fit in ``label_w`` pixels."""
    return max(4, int((label_w - 10) / 6.6))


def _mix(a, b, t):
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def category_colours(k: int) -> list[str]:
    """k colours from unfavourable (red) through neutral (grey-white) to favourable (blue)."""
    if k <= 1:
        return [_mix(_CAT_MID, _CAT_HIGH, 0.6)]
    out = []
    for j in range(k):
        pos = 2 * j / (k - 1) - 1  # -1 .. 1
        out.append(_mix(_CAT_MID, _CAT_LOW, -pos) if pos < 0 else _mix(_CAT_MID, _CAT_HIGH, pos))
    return out


def _ramp(value, lo, hi) -> str:
    if value is None or not np.isfinite(value):
        return "#eeeeee"
    t = 0.0 if hi <= lo else min(max((value - lo) / (hi - lo), 0.0), 1.0)
    return RAMP[min(int(t * len(RAMP)), len(RAMP) - 1)]


def _fmt(value, digits: int, decimal: str) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:.{digits}f}".replace(".", decimal)


def heatmap(values, row_labels, col_labels, *, lo=None, hi=None, digits: int = 2, decimal: str = ".",
            cell_w: int = 64, cell_h: int = 22, label_w: int = 190, title: str = "") -> Markup:
    """A table-like heatmap: one row per group, one column per scale, the value printed in each cell.

    ``values``: 2-D array (rows x columns), NaN = empty cell. Colour runs from ``lo`` to ``hi`` (default
    the data's range; a sequence gives each column its own range, e.g. each scale's response range) on a
    colour-blind-safe diverging ramp; each cell has a ``<title>`` tooltip.
    """
    v = np.asarray(values, dtype=float).reshape(len(row_labels), len(col_labels))
    finite = v[np.isfinite(v)]
    lo = (float(finite.min()) if finite.size else 0.0) if lo is None else lo
    hi = (float(finite.max()) if finite.size else 1.0) if hi is None else hi
    lo = np.broadcast_to(np.asarray(lo, dtype=float), (len(col_labels),))
    hi = np.broadcast_to(np.asarray(hi, dtype=float), (len(col_labels),))
    head = 70
    width = label_w + cell_w * len(col_labels) + 110  # room for the last rotated header
    height = head + cell_h * len(row_labels) + 4
    parts = []
    for j, c in enumerate(col_labels):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.1f}" y="{head - 6}" font-size="10" text-anchor="start" '
                     f'transform="rotate(-35 {x:.1f} {head - 6})">{escape(_short(c, 22))}'
                     f"<title>{escape(c)}</title></text>")
    for i, r in enumerate(row_labels):
        y = head + i * cell_h
        parts.append(f'<text x="{label_w - 6}" y="{y + cell_h * 0.7:.1f}" font-size="11" text-anchor="end">'
                     f"{escape(_short(r, _fit(label_w)))}<title>{escape(r)}</title></text>")
        for j, c in enumerate(col_labels):
            val = v[i, j]
            x = label_w + j * cell_w
            fill = _ramp(val, lo[j], hi[j])
            text = _fmt(val, digits, decimal)
            parts.append(
                f'<g><rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}">'
                f"<title>{escape(r)} · {escape(c)}: {escape(text)}</title></rect>"
                f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h * 0.68:.1f}" font-size="10" '
                f'text-anchor="middle" fill="#1d232a">{escape(text)}</text></g>')
    return _svg(width, height, "".join(parts), title)


def stacked_bars(shares, row_labels, category_labels, *, colours=None, width: int = 720, bar_h: int = 18,
                 label_w: int = 260, decimal: str = ".", title: str = "") -> Markup:
    """Horizontal 100% stacked bars: one bar per item, one segment per answer category (low -> high).

    ``shares``: 2-D array (rows x categories) of percentages (each row sums to 100). A legend of the
    categories is drawn underneath; segments of 8% or more carry their rounded percentage.
    """
    s = np.nan_to_num(np.asarray(shares, dtype=float).reshape(len(row_labels), len(category_labels)))
    colours = list(colours) if colours is not None else category_colours(len(category_labels))
    plot_w = width - label_w - 10
    gap = 6
    parts = []
    for i, r in enumerate(row_labels):
        y = i * (bar_h + gap)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h * 0.72:.1f}" font-size="11" text-anchor="end">'
                     f"{escape(_short(r, _fit(label_w)))}<title>{escape(r)}</title></text>")
        x = float(label_w)
        total = s[i].sum() or 1.0
        for j, c in enumerate(category_labels):
            w = plot_w * s[i, j] / total
            if w <= 0:
                continue
            pct = _fmt(s[i, j], 0, decimal)
            parts.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar_h}" fill="{colours[j]}">'
                         f"<title>{escape(r)} · {escape(c)}: {escape(_fmt(s[i, j], 1, decimal))}%</title></rect>")
            if s[i, j] >= 8:
                parts.append(f'<text x="{x + w / 2:.2f}" y="{y + bar_h * 0.72:.1f}" font-size="9" '
                             f'text-anchor="middle" fill="#1d232a">{escape(pct)}</text>')
            x += w
    y0 = len(row_labels) * (bar_h + gap) + 6
    lx, ly = float(label_w), float(y0)
    for j, c in enumerate(category_labels):
        lab = _short(c, 40)
        step = 20 + 5.6 * len(lab)
        if lx + step > width and lx > label_w:  # wrap the legend
            lx, ly = float(label_w), ly + 14
        parts.append(f'<rect x="{lx:.1f}" y="{ly:.0f}" width="10" height="10" fill="{colours[j]}" stroke="#999" '
                     f'stroke-width=".5"/><text x="{lx + 13:.1f}" y="{ly + 9:.0f}" font-size="9">{escape(lab)}'
                     f"<title>{escape(c)}</title></text>")
        lx += step
    y0 = ly
    return _svg(width, y0 + 18, "".join(parts), title)


def forest(estimates, lower, upper, labels, *, ref=None, width: int = 560, row_h: int = 22,
           label_w: int = 190, digits: int = 2, decimal: str = ".", title: str = "") -> Markup:
    """A forest plot: a dot per estimate with its CI as a line; an optional reference line at ``ref``."""
    est = np.asarray(estimates, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    vals = np.concatenate([est, lo, hi] + ([np.array([ref], float)] if ref is not None else []))
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return Markup("")
    a, b = float(vals.min()), float(vals.max())
    pad = 0.05 * (b - a) if b > a else 1.0
    a, b = a - pad, b + pad
    text_w = 120
    plot_w = width - label_w - text_w - 10

    def xpos(v):
        return label_w + plot_w * (v - a) / (b - a)

    parts = []
    height = row_h * len(labels) + 26
    if ref is not None and a <= ref <= b:
        parts.append(f'<line x1="{xpos(ref):.1f}" y1="0" x2="{xpos(ref):.1f}" y2="{height - 20}" '
                     f'stroke="#888" stroke-dasharray="3,3"/>')
    for i, lab in enumerate(labels):
        y = i * row_h + row_h / 2
        parts.append(f'<text x="{label_w - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                     f"{escape(_short(lab, _fit(label_w)))}<title>{escape(lab)}</title></text>")
        ci_txt = f"{_fmt(est[i], digits, decimal)} [{_fmt(lo[i], digits, decimal)}; {_fmt(hi[i], digits, decimal)}]"
        if np.isfinite(lo[i]) and np.isfinite(hi[i]):
            parts.append(f'<line x1="{xpos(lo[i]):.1f}" y1="{y:.1f}" x2="{xpos(hi[i]):.1f}" y2="{y:.1f}" '
                         f'stroke="#1d232a" stroke-width="1.5"/>')
        if np.isfinite(est[i]):
            parts.append(f'<circle cx="{xpos(est[i]):.1f}" cy="{y:.1f}" r="4" fill="#3b6ea5">'
                         f"<title>{escape(lab)}: {escape(ci_txt)}</title></circle>")
        parts.append(f'<text x="{width - text_w}" y="{y + 4:.1f}" font-size="10">{escape(ci_txt)}</text>')
    for v in (a + pad, b - pad):
        parts.append(f'<text x="{xpos(v):.1f}" y="{height - 6}" font-size="9" fill="#555" '
                     f'text-anchor="middle">{escape(_fmt(v, digits, decimal))}</text>')
    return _svg(width, height, "".join(parts), title)
