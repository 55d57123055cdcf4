"""Helpers to break an export in one precise way (for the malformed-input tests)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path


def read_rows(export: Path, name: str) -> tuple[list[str], list[list[str]]]:
    with open(export / f"{name}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_rows(export: Path, name: str, header: list[str], rows: list[list[str]], **fmt) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=fmt.pop("lineterminator", "\n"), **fmt)
    writer.writerow(header)
    writer.writerows(rows)
    (export / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")


def set_cell(export: Path, name: str, row: int, column: str, value: str) -> dict[str, str]:
    """Set one value of data row `row` (0-based; the row is on line row + 2 when no field spans lines)."""
    header, rows = read_rows(export, name)
    rows[row][header.index(column)] = value
    write_rows(export, name, header, rows)
    return dict(zip(header, rows[row], strict=True))


def find_row(export: Path, name: str, **where: str) -> int:
    header, rows = read_rows(export, name)
    for i, r in enumerate(rows):
        if all(r[header.index(k)] == v for k, v in where.items()):
            return i
    raise LookupError(f"no row of {name} with {where}")


def cell(export: Path, name: str, row: int, column: str) -> str:
    header, rows = read_rows(export, name)
    return rows[row][header.index(column)]


def append_raw(export: Path, name: str, text: str) -> None:
    with open(export / f"{name}.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write(text)


def replace_bytes(export: Path, name: str, old: bytes, new: bytes, count: int = 1) -> None:
    path = export / f"{name}.csv"
    data = path.read_bytes()
    assert old in data, f"{old!r} not in {name}"
    path.write_bytes(data.replace(old, new, count))


def gzip_file(export: Path, name: str) -> None:
    path = export / f"{name}.csv"
    path.write_bytes(gzip.compress(path.read_bytes()))


def rows_count(export: Path, name: str) -> int:
    return len(read_rows(export, name)[1])
