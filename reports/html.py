"""Render the context into one self-contained HTML file (jinja2, autoescape on, strict CSP).

The stylesheet and the script are static files of this package. Their sha256
hashes go into the page's Content-Security-Policy, so the browser runs only
that script and applies only that stylesheet: even text that slipped past
escaping could not execute, load anything or restyle the page.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from pathlib import Path
from typing import Any


def _environment() -> Any:
    import jinja2  # only when rendering: the context builder needs no template engine

    return jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=True,  # model output and dataset text are untrusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _asset(name: str) -> str:
    return resources.files("reports").joinpath("templates", name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def csp(css: str, js: str) -> str:
    """A policy that allows only the page's own stylesheet and script, and no requests at all."""
    return (f"default-src 'none'; style-src {_hash(css)}; script-src {_hash(js)}; "
            "img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")


def render_html(context: dict[str, Any]) -> str:
    from markupsafe import Markup

    css, js = _asset("report.css"), _asset("report.js")
    # The assets are package files, not data: they are inserted verbatim (Markup)
    # so that their bytes match the hashes in the policy.
    return _environment().get_template("report.html.j2").render(
        **context, css=Markup(css), js=Markup(js), csp=csp(css, js))


def write_html(context: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(context), encoding="utf-8")
    tmp.replace(path)
    return path
