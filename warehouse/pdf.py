"""The one WeasyPrint set-up: HTML to a tagged PDF (PDF/UA-1, the fonts it uses embedded), written atomically.

Used by the reports (reports/render.py, with reports/templates/report.css) and by the releases' risk report
(anonymize/release/writer.py, whose template carries its own styles). Relative links in the HTML (images,
stylesheets) resolve against `base_url`, the template folder. The templates name only "DejaVu Sans" (the one font
family installed beside WeasyPrint; docs/toolchain notes): margin boxes included, or the footer falls back to serif.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .files import atomic_write


@functools.cache
def _stylesheet(path: str):
    from weasyprint import CSS

    return CSS(filename=path)  # parsed once per process: every report of a run shares it


def pdf_bytes(html: str, base_url: Path, stylesheet: Path | None = None) -> bytes:
    """`html` as a tagged PDF (PDF/UA-1): the bytes, for a writer that stages its own files (a release folder)."""
    from weasyprint import HTML

    sheets = [_stylesheet(str(stylesheet))] if stylesheet else []
    return HTML(string=html, base_url=str(base_url)).write_pdf(stylesheets=sheets, pdf_variant="pdf/ua-1")


def html_to_pdf(html: str, path: Path, base_url: Path, stylesheet: Path | None = None) -> Path:
    """Write `html` as a tagged PDF at `path`; a failed render leaves no half-written file (atomic_write)."""
    pdf = pdf_bytes(html, base_url, stylesheet)
    return atomic_write(path, lambda tmp: tmp.write_bytes(pdf))
