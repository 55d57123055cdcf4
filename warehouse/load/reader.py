"""Finding an export's files and reading each one, as text, into a DuckDB staging table.

Every staging table has the file's columns as VARCHAR plus `_row` (record number) and `_line` (the
physical line where the record starts). Clean CSV files take the fast path (DuckDB's parallel reader,
whose output order is file order); a file whose records span lines or break the field count takes the
exact path (Python's csv module), which knows every record's line and keeps malformed rows for the
quarantine instead of failing.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ..contract import FILES_BY_NAME, SIDECAR_FILES, FileSpec
from ..db import scalar
from .errors import LoadError
from .manifest import MANIFEST

CHUNK = 8 << 20
csv.field_size_limit(2**31 - 1)


@dataclass
class ExportFile:
    spec: FileSpec
    path: Path
    fmt: str  # "csv" or "parquet"
    sha256: str = ""
    header: tuple[str, ...] = ()
    newlines: int = 0
    ends_with_newline: bool = True

    @property
    def name(self) -> str:
        return self.path.name


def discover(export: Path) -> list[ExportFile]:
    """The export's data files in load order; unknown, doubled or missing-required files stop the load."""
    if not export.is_dir():
        raise LoadError(f"{export} is not a directory")
    found: dict[str, ExportFile] = {}
    for path in sorted(export.iterdir()):
        name = path.name
        if name == MANIFEST or name in SIDECAR_FILES or name.startswith("."):
            continue
        stem, _, ext = name.partition(".")
        spec = FILES_BY_NAME.get(stem)
        if spec is None or ext not in ("csv", "parquet") or not path.is_file():
            raise LoadError(
                "not a file of the PARS export format v1 (expected one of: "
                + ", ".join(f"{s}.csv" for s in FILES_BY_NAME)
                + ")",
                file=name,
            )
        if stem in found:
            raise LoadError(f"{stem} is there twice ({found[stem].name} and {name}): keep one", file=name)
        found[stem] = ExportFile(spec, path, ext)
    for stem, spec in FILES_BY_NAME.items():
        if spec.required and stem not in found:
            raise LoadError("required file is missing", file=f"{stem}.csv")
    return [found[s] for s in FILES_BY_NAME if s in found]


def precheck_csv(f: ExportFile) -> None:
    """One streaming pass: SHA-256, strict UTF-8, line count; then the header. Fills `f` in."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines = 0
    first = b""
    last = b""
    with open(f.path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if not first:
                first = chunk[:4096]
                _check_magic(f, first)
            digest.update(chunk)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                _raise_not_utf8(f, exc, fh.tell() - len(chunk))
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            _raise_not_utf8(f, exc, fh.tell())
    if not first:
        raise LoadError("empty file: no header row (a file with no rows needs its header line)", file=f.name)
    f.sha256 = digest.hexdigest()
    f.newlines = newlines
    f.ends_with_newline = last == b"\n"
    f.header = _check_header(f, first.decode("utf-8", errors="replace"))


def _check_magic(f: ExportFile, first: bytes) -> None:
    if first[:2] == b"\x1f\x8b":
        raise LoadError("gzip-compressed data named .csv: decompress it first", file=f.name)
    if first[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(first) > 3 and first[1:2] == b"\x00"):
        raise LoadError("UTF-16 text: the format requires UTF-8 (re-save the file as UTF-8)", file=f.name)
    if first[:4] == b"PK\x03\x04":
        raise LoadError("a ZIP or Excel workbook named .csv: export it as CSV (UTF-8)", file=f.name)


def _raise_not_utf8(f: ExportFile, exc: UnicodeDecodeError, chunk_start: int) -> None:
    offset = chunk_start + exc.start
    with open(f.path, "rb") as fh:
        line = fh.read(offset).count(b"\n") + 1
        bad = fh.read(1)
    hint = (
        " (Windows-1252 text, e.g. é or ’, saved without UTF-8 encoding?)" if bad and bad[0] >= 0x80 else ""
    )
    raise LoadError(
        f"not valid UTF-8: byte 0x{bad.hex()} at byte offset {offset}{hint}; re-save the file as UTF-8",
        file=f.name,
        line=line,
    )


def _check_header(f: ExportFile, text: str) -> tuple[str, ...]:
    line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    header = next(csv.reader([line]), [])
    expected = f.spec.column_names
    if len(header) <= 1 and line.count(";") >= 1 and ";" in line:
        raise LoadError(
            "semicolon-delimited: the format requires comma-separated values", file=f.name, line=1
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise LoadError(f"duplicate column name(s) in the header: {', '.join(dupes)}", file=f.name, line=1)
    missing = [c for c in expected if c not in header]
    extra = [h for h in header if h not in expected]
    if not missing and not extra:
        return tuple(header)
    if not set(header) & set(expected):
        raise LoadError(
            "no header row: the first line must name the columns (" + ", ".join(expected) + ")",
            file=f.name,
            line=1,
        )
    parts = []
    if missing:
        parts.append("missing column(s): " + ", ".join(missing))
    if extra:
        parts.append("unexpected column(s): " + ", ".join(extra))
    raise LoadError("header does not match the format: " + "; ".join(parts), file=f.name, line=1)


def stage(con: duckdb.DuckDBPyConnection, f: ExportFile, table: str) -> list[tuple[int, int, list]]:
    """Create `table` with the file's records; return the rows with a wrong field count as
    (row, line, fields) for the quarantine."""
    if f.fmt == "parquet":
        _stage_parquet(con, f, table)
        return []
    cols = ", ".join(f"'{c}': 'VARCHAR'" for c in f.header)
    try:
        # Insertion order is file order, so a row's rowid is its record number: no window needed.
        con.sql(
            f"""
            create or replace temp table {table}_data as
            select * from read_csv(?, columns = {{{cols}}}, header = true, auto_detect = false,
                                   delim = ',', quote = '"', escape = '"', strict_mode = true)
        """,
            params=[str(f.path)],
        )
        records = scalar(con, f"select count(*) from {table}_data")
        lines = f.newlines + (0 if f.ends_with_newline else 1)
        if records + 1 == lines:  # one record per line: the line is the record number + 1
            con.sql(f"create or replace temp view {table} as "
                    f"select *, rowid + 1 as _row, rowid + 2 as _line from {table}_data")
            return []
    except duckdb.Error:
        pass  # malformed rows or long fields: the exact path below decides what they are
    return _stage_exact(con, f, table)


def _stage_exact(con: duckdb.DuckDBPyConnection, f: ExportFile, table: str) -> list[tuple[int, int, list]]:
    width = len(f.header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    rows: list[int] = []
    lines: list[int] = []
    bad: list[tuple[int, int, list]] = []
    with open(f.path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        start = 1
        try:
            next(reader)
            row = 0
            start = reader.line_num + 1
            for record in reader:
                if not record:  # a blank line is not a record
                    start = reader.line_num + 1
                    continue
                row += 1
                if len(record) != width:
                    bad.append((row, start, record))
                else:
                    for i, value in enumerate(record):
                        columns[i].append(value if value != "" else None)
                    rows.append(row)
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise LoadError(
                f"not parseable as CSV: {exc} (a quote that never closes?)", file=f.name, line=start
            ) from None
    arrays = {name: pa.array(columns[i], pa.string()) for i, name in enumerate(f.header)}
    arrays["_row"] = pa.array(rows, pa.int64())
    arrays["_line"] = pa.array(lines, pa.int64())
    arrow = pa.table(arrays)  # noqa: F841 - read by DuckDB's replacement scan below
    con.sql(f"create or replace temp table {table} as select * from arrow")
    return bad


def _stage_parquet(con: duckdb.DuckDBPyConnection, f: ExportFile, table: str) -> None:
    try:
        rel = con.sql("select * from read_parquet(?)", params=[str(f.path)])
        types = dict(zip(rel.columns, (str(t) for t in rel.dtypes), strict=True))
    except duckdb.Error as exc:
        raise LoadError(f"not a readable Parquet file: {exc}", file=f.name) from None
    f.header = tuple(types)
    _check_header(f, ",".join(types))
    f.sha256 = _sha256(f.path)
    selects = [f"{_parquet_text(c, t)} as {c}" for c, t in types.items()]
    con.sql(
        f"""
        create or replace temp table {table} as
        select {", ".join(selects)}, row_number() over () as _row, row_number() over () as _line
        from read_parquet(?)
    """,
        params=[str(f.path)],
    )


def _parquet_text(col: str, dtype: str) -> str:
    """Parquet values as the text the CSV format would carry (Yes/No, ISO dates)."""
    if dtype == "BOOLEAN":
        return f"case when {col} then 'Yes' when not {col} then 'No' end"
    if dtype == "DATE":
        return f"strftime({col}, '%Y-%m-%d')"
    if dtype.endswith("[]"):
        return f"array_to_string({col}, ';')"
    return f"{col}::varchar"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
