"""Kept for compatibility: the report code lives in :mod:`engagesurvey.report.build`."""

from .build import (  # noqa: F401
    MIN_GROUP_FLOOR, environment, file_sha256, render_report, render_summary, write_summary,
)
