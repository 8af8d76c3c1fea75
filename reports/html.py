"""Render the context into one self-contained HTML file (jinja2, autoescape on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=True,  # model output and dataset text are untrusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(context: dict[str, Any]) -> str:
    return _environment().get_template("report.html.j2").render(**context)


def write_html(context: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(context), encoding="utf-8")
    tmp.replace(path)
    return path
