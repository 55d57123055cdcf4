"""Helpers for the report tests: PDF text, numbers in table rows, and the marts to compare them with."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb

NUMBER = re.compile(r"[-+]?\$?\d[\d,]*(?:\.\d+)?%?")


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pdf_fonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def numbers(text: str) -> list[float]:
    return [float(n.replace("$", "").replace(",", "").replace("%", "")) for n in NUMBER.findall(text)]


def section(text: str, start: str, end: str | None = None, contents_links: bool = False) -> str:
    """The text from `start` to the next `end`, skipping the contents (an entry there ends in a dot leader).

    contents_links: the contents list is links without page numbers (review packets): an entry there is a line
    holding just the title, and the section's own caption comes later.
    """
    body = text.split("\x0c", 2)[-1] if "Contents" in text[:3000] else text
    i = body.index(start)
    while (
        body[i + len(start) :].lstrip(" ").startswith(".")
        or body[i:].split("\n", 1)[0].rstrip()[-1:].isdigit()
        and "...." in body[i:].split("\n", 1)[0]
        or contents_links
        and body[i:].split("\n", 1)[0].strip() == start
        and start in body[i + len(start) :]
    ):
        i = body.index(start, i + 1)
    j = body.index(end, i + len(start)) if end else len(body)
    return body[i:j]


def row_numbers(block: str, label: str) -> list[float]:
    """The numbers on the table row whose text starts with `label` (layout mode keeps a row on one line)."""
    for line in block.splitlines():
        if line.strip().startswith(label):
            return numbers(line.strip()[len(label) :])
    raise AssertionError(f"no row {label!r} in:\n{block[:2000]}")


def mart(db: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rel = con.sql(sql, params=params)
        return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()


def as_float(v) -> float:
    return float(v) if isinstance(v, Decimal) else float(v or 0)


# --- publication checks (issue 14): paper, internal names, page fill, table headers ---------------------------------

LETTER = (612.0, 792.0)  # 8.5 x 11 in, in PDF points


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from pdfinfo."""
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "100000", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)]


def is_letter(size: tuple[float, float]) -> bool:
    """US Letter, portrait or landscape (Chromium rounds to 1/100 inch)."""
    return all(abs(a - b) < 1.5 for a, b in zip(sorted(size), LETTER, strict=True))


INTERNAL = {
    "a schema.table name": re.compile(
        r"\b(?:annual_report|review|moc|rems|core|main|raw|staging|meta|ops|research)\.[a-z][a-z_]+\b"
    ),
    "a snake_case name": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "a plural written as (s)": re.compile(r"\w\(s\)"),
    "a timestamp with fractions of a second": re.compile(r"\d{2}:\d{2}:\d{2}\.\d+"),
    "the words 'warehouse marts'": re.compile(r"warehouse\s+marts"),
}


def internal_names(text: str) -> list[str]:
    """Words of the machinery a reader should not meet (mart names, column names, '(s)', raw timestamps)."""
    return [f"{what}: {m.group(0)!r}" for what, rx in INTERNAL.items() for m in rx.finditer(text)]


def without_contents(text: str) -> str:
    """The text without contents entries (lines with a dot leader)."""
    return "\n".join(line for line in text.splitlines() if not re.search(r"\.{6,}", line))


def _bbox_pages(pdf: Path):
    import xml.etree.ElementTree as ET

    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    out = out[out.index("<html") :]
    root = ET.fromstring(out.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    for page in root.iter("page"):
        w, h = float(page.get("width")), float(page.get("height"))
        words = [
            (float(x.get("xMin")), float(x.get("yMin")), float(x.get("xMax")), float(x.get("yMax")), x.text or "")
            for x in page.iter("word")
        ]
        yield w, h, words


def page_layout(pdf: Path, band: float = 0.075) -> list[dict]:
    """Per page: `fill`, how far down the body text reaches (0 = top of the body, 1 = its bottom; the running
    header and footer, in the top and bottom `band` of the page, are not body), `header`, the running header's
    right-hand text (the chapter), and `right`, the right edge of the rightmost word as a share of the width."""
    pages = []
    for w, h, words in _bbox_pages(pdf):
        top, bottom = band * h, (1 - band) * h
        body = [wd for wd in words if top < wd[1] and wd[3] < bottom]
        header = " ".join(wd[4] for wd in words if wd[3] <= top and wd[0] > w / 2)
        fill = (max(wd[3] for wd in body) - top) / (bottom - top) if body else 0.0
        pages.append(
            {
                "fill": fill,
                "header": header,
                "right": max((wd[2] for wd in words), default=0) / w,
                "lines": len({round(wd[1]) for wd in body}),
            }
        )
    return pages


def nearly_empty_pages(pdf: Path, least: float = 0.5) -> list[int]:
    """Pages (1-based) whose body ends above `least` of the page although the next page continues the same chapter
    (same running header): the first page (cover or title) and a chapter's last page may be short."""
    pages = page_layout(pdf)
    return [
        i + 1
        for i, (p, q) in enumerate(zip(pages, pages[1:], strict=False))
        if i > 0 and p["header"] == q["header"] and p["fill"] < least
    ]


def run_together_headers(text: str, tables) -> list[str]:
    """Column labels whose words ran into the next column's ("TypeStart"): pdftotext joins words that touch."""
    bad = []
    for t in tables:
        if t.empty:
            continue
        labels = [c.label for c in t.columns]
        for a, b in zip(labels, labels[1:], strict=False):
            for x in a.split():
                for y in b.split():
                    if re.search(re.escape(x) + re.escape(y), text):
                        bad.append(f"{t.title}: {x}{y}")
    return bad


def crowded_headers(pdf: Path, tables, gap: float = 4.0) -> list[str]:
    """Header words of two different columns closer than `gap` points on one line ("Type" touching "Start"):
    pdftotext still puts a space between them, so this looks at the words' boxes. Two words are allowed that close
    only when they are neighbours within one column label (a word space is about 2.3 pt in the 7.2 pt header;
    two columns' texts are at least their cells' padding, about 5.7 pt, apart when each fits its column). A header
    line is a line of label words only."""
    bad = []
    tables = [t for t in tables if not t.empty]
    labels = [c.label for t in tables for c in t.columns]
    words = {w for label in labels for w in label.split()}
    for _w, _h, page in _bbox_pages(pdf):
        lines: dict[float, list] = {}
        for wd in page:
            key = next((k for k in lines if abs(k - wd[1]) < 0.6), wd[1])
            lines.setdefault(key, []).append(wd)
        for line in lines.values():
            if len(line) < 3 or not all(wd[4] in words for wd in line):
                continue  # not a header line (a header line holds three or more column label words only)
            line.sort()
            for a, b in zip(line, line[1:], strict=False):
                if b[0] - a[2] < gap and not any(f"{a[4]} {b[4]}" in label for label in labels):
                    bad.append(f"{a[4]}|{b[4]} ({b[0] - a[2]:.1f} pt apart)")
    return bad
