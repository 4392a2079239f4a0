"""Shared behaviour of result objects.

Results are plain dataclasses. Each offers ``to_frame()`` (a tidy DataFrame) and ``summary()`` (a
readable text block laid out like the R function it mirrors). This mixin adds ``__str__`` and Jupyter's
``_repr_html_`` from those two, so result classes only write the two methods.
"""

from __future__ import annotations

import html

import pandas as pd


class ResultMixin:
    """Gives a result dataclass ``__str__`` and ``_repr_html_`` from its ``summary()``/``to_frame()``."""

    def summary(self) -> str:  # pragma: no cover - overridden
        return repr(self)

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        try:
            frame = self.to_frame()
        except NotImplementedError:
            frame = None
        head = f"<pre>{html.escape(self.summary())}</pre>"
        if frame is None:
            return head
        return head + frame.to_html(escape=True)
