"""Small inline SVG plots (no JavaScript, no external requests): they print cleanly to PDF."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup, escape


def histogram(values, *, bins: int = 12, width: int = 260, height: int = 70, lo=None, hi=None) -> Markup:
    """A compact histogram of the non-missing values as an inline <svg>."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return Markup("")
    lo = float(v.min()) if lo is None else float(lo)
    hi = float(v.max()) if hi is None else float(hi)
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    top = counts.max() or 1
    bw = width / bins
    bars = []
    for k, c in enumerate(counts):
        h = (height - 14) * c / top
        bars.append(
            f'<rect x="{k * bw + 1:.1f}" y="{height - 12 - h:.1f}" width="{bw - 2:.1f}" '
            f'height="{h:.1f}" fill="#3b6ea5"><title>{edges[k]:.2f}–{edges[k + 1]:.2f}: {c}</title></rect>'
        )
    axis = (
        f'<text x="0" y="{height - 1}" font-size="9" fill="#555">{escape(f"{lo:g}")}</text>'
        f'<text x="{width}" y="{height - 1}" font-size="9" fill="#555" text-anchor="end">'
        f'{escape(f"{hi:g}")}</text>'
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{"".join(bars)}{axis}</svg>'
    )
