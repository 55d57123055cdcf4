"""HTML (jinja2) to tagged PDF (WeasyPrint, PDF/UA-1) with the report stylesheet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import jinja2

from .tables import fmt

TEMPLATES = Path(__file__).parent / "templates"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["fmt"] = fmt


def render_html(template: str, **context) -> str:
    return _env.get_template(template).render(**context)


def write_pdf(html: str, path: Path) -> Path:
    """Write a tagged PDF (PDF/UA-1, fonts embedded) atomically: a failed render leaves no half-written file."""
    from weasyprint import CSS, HTML

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    css = CSS(filename=str(TEMPLATES / "report.css"))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        HTML(string=html, base_url=str(TEMPLATES)).write_pdf(tmp, stylesheets=[css], pdf_variant="pdf/ua-1")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
