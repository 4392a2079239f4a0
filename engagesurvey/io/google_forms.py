"""Google Forms responses (Sheets "Download as CSV", or the XLSX download).

The first column is the submission time (``Timestamp``; localised: ``Marca temporal``, ``Zeitstempel``,
``Horodateur``, ``Cap waktu``, ...). Grid questions give one column per row, headed
``Question [Row]``; items are found by the row text (or an alias). Google Forms has no respondent id
and no completion time.
"""

from __future__ import annotations

from ._layout import Layout, cell_text, generic_layout

TIMESTAMPS = ("timestamp", "marca temporal", "zeitstempel", "horodateur", "cap waktu",
              "carimbo de data/hora", "informazioni cronologiche", "tijdstempel", "stempel waktu")


def looks_like(grid) -> bool:
    first = cell_text(grid[0][0]).casefold() if grid and grid[0] else ""
    return first in TIMESTAMPS


def layout(grid) -> Layout:
    return generic_layout(grid, "google_forms", id_candidates=(), duration=lambda frame: None)
