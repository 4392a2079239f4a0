"""Reports: Jinja2 templates under ``reports/`` rendered to self-contained HTML, tables and JSON."""

from .build import build_report, render_report, render_summary, write_summary
from .engagement import render_engagement

__all__ = ["build_report", "render_engagement", "render_report", "render_summary", "write_summary"]
