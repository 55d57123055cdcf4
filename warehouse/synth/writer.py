"""Write an export directory: typed frames become the raw text of spec §2, appended year by year.

Each file is opened once and appended to (why: a decade never sits in memory). The raw text is
produced here and only here, so the value formats of the spec (ISO dates, Yes/No, 2-decimal money,
`;` lists, empty = NULL) have one implementation.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import BinaryIO

import polars as pl

from warehouse.contract import FILES, FileSpec

from .util import bool_text, hundredths_text


def to_raw(df: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    """The typed generator frame as the exact text columns of the file, in spec order."""
    if df.height == 0:
        return pl.DataFrame(schema={c: pl.String for c in spec.column_names})
    exprs = []
    for col in spec.columns:
        dtype = df.schema[col.name]
        if dtype == pl.String:
            expr = pl.col(col.name)
        elif col.type == "bool":
            expr = bool_text(col.name)
        elif col.type in ("decimal", "money"):
            expr = hundredths_text(col.name)
        else:  # date, int, year
            expr = pl.col(col.name).cast(pl.String)
        exprs.append(expr.alias(col.name))
    return df.select(exprs)


class ExportWriter:
    """Appends raw frames to the eleven CSV files of one export (header written once, LF line ends)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows: dict[str, int] = {}
        self._handles: dict[str, BinaryIO] = {}
        for spec in FILES:
            fh = open(out / f"{spec.name}.csv", "wb")  # noqa: SIM115 - closed in close()
            fh.write((",".join(spec.column_names) + "\n").encode())
            self._handles[spec.name] = fh
            self.rows[spec.name] = 0

    def write(self, name: str, raw: pl.DataFrame, extra_lines: bytes = b"", extra_count: int = 0) -> None:
        """Append rows; `extra_lines` are pre-rendered records (field-count defects polars can't write)."""
        fh = self._handles[name]
        if raw.height:
            raw.write_csv(fh, include_header=False, line_terminator="\n", quote_style="necessary")
        if extra_lines:
            fh.write(extra_lines)
        self.rows[name] += raw.height + extra_count

    def close(self) -> None:
        for fh in self._handles.values():
            fh.close()

    def manifest_files(self) -> dict[str, dict]:
        """The manifest's `files` (docs/export-format.md): each file's SHA-256, data records and bytes.

        Read back after `close` (one pass over files the page cache still holds), so the hash is of the
        bytes on disk, whatever polars buffered.
        """
        out = {}
        for name in self._handles:
            path = self.out / f"{name}.csv"
            digest = hashlib.sha256()
            size = 0
            with open(path, "rb") as fh:
                while chunk := fh.read(8 << 20):
                    digest.update(chunk)
                    size += len(chunk)
            out[path.name] = {"sha256": digest.hexdigest(), "rows": self.rows[name], "bytes": size}
        return out


def render_lines(raw: pl.DataFrame) -> bytes:
    """CSV records of a raw frame, without header (for defect rows that are appended as text)."""
    if raw.height == 0:
        return b""
    return raw.write_csv(include_header=False, line_terminator="\n").encode()


def write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
