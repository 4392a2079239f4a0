"""Errors raised for a user's mistake.

Every error a user can cause is an :class:`EngageSurveyError` (or a subclass). Its message is one line
that names the file, row, column and value where they are known; the CLI prints that line and exits
non-zero, never a traceback. Internal bugs are left as ordinary exceptions.
"""

from __future__ import annotations


class EngageSurveyError(ValueError):
    """Base class for errors caused by user input (data, instruments, model syntax, options)."""


class InstrumentError(EngageSurveyError):
    """A malformed instrument definition (names the file and the field)."""


class InputError(EngageSurveyError):
    """Bad survey data: names file, row, column and value where they are known."""

    def __init__(self, message: str, *, file=None, row=None, column=None, value=None):
        self.file, self.row, self.column, self.value = file, row, column, value
        parts = []
        if file is not None:
            parts.append(f"{file}")
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {column!r}")
        if value is not None:
            parts.append(f"value {_show(value)}")
        where = ", ".join(parts)
        super().__init__(f"{where}: {message}" if where else message)


def _show(value) -> str:
    """A value as a user would write it: 9 not np.float64(9.0), text in quotes."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value)


class ModelSyntaxError(EngageSurveyError):
    """An error in lavaan-style model syntax (names the line and the token)."""


class ConvergenceError(EngageSurveyError):
    """An iterative fit did not converge; the message says what and where."""
