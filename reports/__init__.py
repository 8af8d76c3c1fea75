"""Run directory -> render context (pure) -> single-file HTML report."""

from reports.context import RunRecord, build_context, load_run
from reports.html import render_html, write_html

__all__ = ["RunRecord", "build_context", "load_run", "render_html", "write_html"]
