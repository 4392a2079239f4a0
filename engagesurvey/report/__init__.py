"""Reports: Jinja2 templates under ``reports/`` rendered to self-contained HTML."""

from .summary import render_summary, write_summary

__all__ = ["render_summary", "write_summary"]
