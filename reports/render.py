"""HTML (jinja2) to tagged PDF (WeasyPrint, PDF/UA-1) with the report stylesheet."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

from warehouse.files import atomic_write
from warehouse.pdf import html_to_pdf
from warehouse.text import clean_text, html_value

from .tables import fmt

TEMPLATES = Path(__file__).parent / "templates"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # every {{ value }} is escaped (autoescape) and loses its control characters: text from the warehouse never
    # becomes markup, and no ESC or NUL reaches the PDF
    finalize=html_value,
)
_env.filters["fmt"] = fmt


def render_html(template: str, **context) -> str:
    return _env.get_template(template).render(**context)


def _css_string(text: str) -> str:
    text = clean_text(text).replace("\r", " ").replace("\t", " ")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ") + '"'


#: The browser that renders review packets; PARS_CHROMIUM points elsewhere (a machine without Debian's chromium).
CHROMIUM = os.environ.get("PARS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class ChromiumPdf:
    """Tagged PDFs (structure tree, outline, embedded DejaVu subsets) from one long-lived headless Chromium.

    Used for the review packets: Chromium lays out a packet's tables ~10x faster than WeasyPrint (measured in
    /work/notes/packets.md), which is what makes `--all` fit in minutes. Chromium has no `string-set` and no
    `target-counter`: the running header and footer texts are given as literal margin-box contents, and the
    contents list has links but no page numbers. Open once per process and reuse for many documents.
    """

    def __init__(self):
        self._pw = self._browser = self._page = None
        self._css = (TEMPLATES / "report.css").read_text()

    def __enter__(self) -> ChromiumPdf:
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            self._page = self._browser.new_page()
        except Exception:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._pw is not None:
            self._pw.stop()
            self._pw = None

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self, html: str, path: Path, header: str = "", footer: str = "") -> Path:
        """Write `html` (styled by report.css) as a tagged PDF at `path`, atomically."""
        margin = (
            f"@page {{ @top-left {{ content: {_css_string(header)}; }} "
            f"@bottom-left {{ content: {_css_string(footer)}; }} }}"
        )
        html = html.replace("</head>", f"<style>{self._css}\n{margin}</style></head>", 1)

        def write(tmp: str) -> None:
            self._page.set_content(html, wait_until="load")
            self._page.pdf(path=tmp, prefer_css_page_size=True, print_background=True, tagged=True, outline=True)

        return atomic_write(path, write)


def write_pdf(html: str, path: Path) -> Path:
    """Write a tagged PDF (PDF/UA-1, fonts embedded) atomically: a failed render leaves no half-written file."""
    return html_to_pdf(html, path, base_url=TEMPLATES, stylesheet=TEMPLATES / "report.css")
