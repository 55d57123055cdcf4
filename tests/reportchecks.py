"""Helpers for the report tests: PDF text, numbers in table rows, and the marts to compare them with."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb

NUMBER = re.compile(r"[-+]?\$?\d[\d,]*(?:\.\d+)?%?")


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


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
    while body[i + len(start):].lstrip(" ").startswith(".") or body[i:].split("\n", 1)[0].rstrip()[-1:].isdigit() \
            and "...." in body[i:].split("\n", 1)[0] \
            or contents_links and body[i:].split("\n", 1)[0].strip() == start and start in body[i + len(start):]:
        i = body.index(start, i + 1)
    j = body.index(end, i + len(start)) if end else len(body)
    return body[i:j]


def row_numbers(block: str, label: str) -> list[float]:
    """The numbers on the table row whose text starts with `label` (layout mode keeps a row on one line)."""
    for line in block.splitlines():
        if line.strip().startswith(label):
            return numbers(line.strip()[len(label):])
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
