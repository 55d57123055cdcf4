"""Finding an export's files and reading each one, as text, into a DuckDB staging table.

Every staging table has the file's columns as VARCHAR plus `_row` (record number) and `_line` (the
physical line where the record starts). Clean CSV files take the fast path (DuckDB's parallel reader,
whose output order is file order); a file whose records span lines, break the field count or are very
long takes the exact path (Python's csv module over bounded lines), which knows every record's line and
keeps malformed rows for the quarantine instead of failing.

The files are hostile (issue 12): a column name is compared with the contract before any query and is
never pasted into SQL (the staging SQL is built from the contract's names, quoted); paths and values
reach DuckDB only as parameters or through its readers; no record longer than the record limit is ever
held whole in memory; a Parquet file whose text expands far beyond its size is refused.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ..contract import FILES_BY_NAME, SIDECAR_FILES, FileSpec
from ..db import scalar
from .errors import LoadError
from .limits import EXPANSION_FLOOR, KEEP_CHARS, MAX_EXPANSION, Limits
from .manifest import MANIFEST

CHUNK = 8 << 20
#: Rows of the exact path sent to DuckDB at a time (bounds the Python side's memory on big files).
BATCH_ROWS = 50_000
BATCH_BYTES = 32 << 20
#: DuckDB's fast path reads lines up to this size; a longer line sends the file to the exact path.
FAST_MAX_LINE = 2 << 20
#: Stands in for a bare CR inside the csv module (see BoundedLines); put back before staging.
BARE_CR = "\ue00d"
#: How many names a header message lists before it counts the rest.
SHOW_NAMES = 10


def ident(name: str) -> str:
    """A SQL identifier, quoted (names come from the contract, but quote them all the same)."""
    return '"' + name.replace('"', '""') + '"'


def shown(text: str, width: int = 60) -> str:
    """A name from a file as one safe line: control and separator characters escaped, long names cut."""
    out = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return out if len(out) <= width else out[: width - 1] + "…"


@dataclass
class ExportFile:
    spec: FileSpec
    path: Path
    fmt: str  # "csv" or "parquet"
    sha256: str = ""
    header: tuple[str, ...] = ()
    limits: Limits = Limits(16_000_000, 32_000_000)
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
    """One streaming pass: SHA-256, strict UTF-8, line count; then the whole header record. Fills `f` in."""
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
    if newlines == 0 and b"\r" in first.rstrip(b"\r"):
        raise LoadError("CR-only line ends: the format requires LF or CRLF (re-save the file)", file=f.name)
    f.sha256 = digest.hexdigest()
    f.newlines = newlines
    f.ends_with_newline = last == b"\n"
    f.header = _check_header(f, _read_header(f))


def _check_magic(f: ExportFile, first: bytes) -> None:
    if first[:2] == b"\x1f\x8b":
        raise LoadError("gzip-compressed data named .csv: decompress it first", file=f.name)
    if first[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(first) > 3 and first[1:2] == b"\x00"):
        raise LoadError("UTF-16 text: the format requires UTF-8 (re-save the file as UTF-8)", file=f.name)
    if first[:4] == b"PK\x03\x04":
        raise LoadError("a ZIP or Excel workbook named .csv: export it as CSV (UTF-8)", file=f.name)


def _raise_not_utf8(f: ExportFile, exc: UnicodeDecodeError, chunk_start: int) -> None:
    offset = chunk_start + exc.start
    line = 1
    with open(f.path, "rb") as fh:
        left = offset
        while left > 0 and (chunk := fh.read(min(CHUNK, left))):
            line += chunk.count(b"\n")
            left -= len(chunk)
        bad = fh.read(1)
    hint = " (Windows-1252 text, e.g. é or ’, saved without UTF-8 encoding?)" if bad and bad[0] >= 0x80 else ""
    raise LoadError(
        f"not valid UTF-8: byte 0x{bad.hex()} at byte offset {offset}{hint}; re-save the file as UTF-8",
        file=f.name,
        line=line,
    )


class RecordTooLarge(Exception):
    """Raised through csv.reader when a record passes the record limit; it has been skipped already."""

    def __init__(self, prefix: str) -> None:
        super().__init__("record too large")
        self.prefix = prefix


class BoundedLines:
    """The physical lines of a UTF-8 file, for csv.reader, without ever holding one record whole when it
    is longer than `limit` bytes.

    csv.reader asks for one line at a time and ends a record only at a line end; the consumer calls
    `record_done()` after each record. A record that grows past the limit is skipped to its end in
    chunks (its end: the first line end after it with an even count of quote characters, RFC 4180) and
    reported by raising RecordTooLarge out of the reader, carrying the record's first characters.
    """

    def __init__(self, fh, limit: int) -> None:
        self.fh = fh
        self.limit = limit
        self.lines = 0  # physical lines consumed, skipped ones included
        self.used = 0  # bytes of the current record so far
        self.quotes = 0  # quote characters of the current record so far
        self.first = True

    def __iter__(self) -> BoundedLines:
        return self

    def record_done(self) -> None:
        self.used = self.quotes = 0

    def __next__(self) -> str:
        raw = self.fh.readline(self.limit - self.used + 1)
        if not raw:
            raise StopIteration
        if self.first:
            self.first = False
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if self.used + len(raw) > self.limit:
            self._skip(raw)
        self.used += len(raw)
        self.quotes += raw.count(b'"')
        if raw.endswith(b"\n"):
            self.lines += 1
        text = raw.decode("utf-8", errors="replace")
        if "\r" in text.rstrip("\r\n") or text.endswith("\r"):
            # csv.reader ends a record at a bare CR even mid-field; the format's line ends are LF and CRLF
            # only, so a bare CR is data (quarantined later as a control character): carry it as BARE_CR.
            body, end = (text[:-2], "\r\n") if text.endswith("\r\n") else (text, "")
            text = body.replace("\r", BARE_CR) + end
        return text

    def _skip(self, raw: bytes) -> None:
        prefix = raw[: KEEP_CHARS * 4].decode("utf-8", errors="ignore")[:KEEP_CHARS]
        quotes = self.quotes + raw.count(b'"')
        piece = raw
        while True:
            if piece.endswith(b"\n"):
                self.lines += 1
                if quotes % 2 == 0:
                    break
            piece = self.fh.readline(CHUNK)
            if not piece:
                break
            quotes += piece.count(b'"')
        self.record_done()
        raise RecordTooLarge(prefix)


def _read_header(f: ExportFile) -> list[str]:
    """The whole header record (however long, up to the record limit), parsed as CSV."""
    csv.field_size_limit(f.limits.record + 1)
    with open(f.path, "rb") as fh:
        try:
            return next(csv.reader(BoundedLines(fh, f.limits.record), strict=True), [])
        except RecordTooLarge:
            raise LoadError(
                f"the header line is longer than the record-size limit ({f.limits.record:,} bytes, --max-record-size)",
                file=f.name,
                line=1,
                rule="record_size",
            ) from None
        except csv.Error as exc:
            raise LoadError(f"header not parseable as CSV: {exc}", file=f.name, line=1) from None


def _names(names: list[str]) -> str:
    listed = ", ".join(shown(n) for n in names[:SHOW_NAMES])
    if len(names) > SHOW_NAMES:
        listed += f" and {len(names) - SHOW_NAMES:,} more ({len(names):,} in all)"
    return listed


def _check_header(f: ExportFile, header: list[str]) -> tuple[str, ...]:
    """The file's column names, exactly the contract's (any order); anything else stops the load.

    `header` is every name the file has (all of a CSV header record, every Parquet column); nothing
    else about a name matters, and no name reaches SQL (staging uses the contract's names)."""
    expected = f.spec.column_names
    if len(header) == 1 and ";" in header[0]:
        raise LoadError("semicolon-delimited: the format requires comma-separated values", file=f.name, line=1)
    seen: set[str] = set()
    dupes = sorted({h for h in header if h in seen or seen.add(h)})
    if dupes:
        raise LoadError(f"duplicate column name(s) in the header: {_names(dupes)}", file=f.name, line=1)
    names = set(header)
    missing = [c for c in expected if c not in names]
    extra = [h for h in header if h not in expected]
    if not missing and not extra:
        return tuple(header)
    if not names & set(expected):
        raise LoadError(
            "no header row: the first line must name the columns (" + ", ".join(expected) + ")",
            file=f.name,
            line=1,
        )
    parts = []
    if missing:
        parts.append("missing column(s): " + _names(missing))
    if extra:
        parts.append("unexpected column(s): " + _names(extra))
    raise LoadError("header does not match the format: " + "; ".join(parts), file=f.name, line=1)


#: A row the reader could not stage: (record number, line, rule, raw value, record as JSON or None).
BadRow = tuple[int, int, str, "str | None", "str | None"]


def stage(con: duckdb.DuckDBPyConnection, f: ExportFile, table: str) -> list[BadRow]:
    """Create `table` with the file's records; return the rows that could not be staged (a wrong field
    count, a record over the record limit) for the quarantine."""
    if f.fmt == "parquet":
        return _stage_parquet(con, f, table)
    # The column names are the contract's (checked), quoted; DuckDB reads them positionally.
    cols = ", ".join(f"{validate_literal(c)}: 'VARCHAR'" for c in f.header)
    try:
        # Insertion order is file order, so a row's rowid is its record number: no window needed.
        con.sql(
            f"""
            create or replace temp table {table}_data as
            select * from read_csv(?, columns = {{{cols}}}, header = true, auto_detect = false,
                                   delim = ',', quote = '"', escape = '"', strict_mode = true,
                                   max_line_size = ?)
        """,
            params=[str(f.path), min(FAST_MAX_LINE, f.limits.record)],
        )
        records = scalar(con, f"select count(*) from {table}_data")
        lines = f.newlines + (0 if f.ends_with_newline else 1)
        if records + 1 == lines:  # one record per line: the line is the record number + 1
            con.sql(
                f"create or replace temp view {table} as "
                f"select *, rowid + 1 as _row, rowid + 2 as _line from {table}_data"
            )
            return []
    except duckdb.Error:
        pass  # malformed rows or long fields: the exact path below decides what they are
    con.sql(f"drop table if exists {table}_data")
    return _stage_exact(con, f, table)


def validate_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _stage_exact(con: duckdb.DuckDBPyConnection, f: ExportFile, table: str) -> list[BadRow]:
    """Python's csv over bounded lines; rows go to DuckDB in batches, so memory stays flat on any size."""
    width = len(f.header)
    quoted = ", ".join(f"{ident(c)} varchar" for c in f.header)
    con.sql(f"create or replace temp table {table} ({quoted}, _row bigint, _line bigint)")
    bad: list[BadRow] = []
    batch = _Batch(con, table, f.header)
    csv.field_size_limit(f.limits.record + 1)
    with open(f.path, "rb") as fh:
        lines = BoundedLines(fh, f.limits.record)
        reader = csv.reader(lines, strict=True)
        row = 0
        start = 1
        try:
            next(reader)  # the header, checked before
        except RecordTooLarge:  # checked before: cannot happen unless the file changed
            raise LoadError("the header line changed while the file was read", file=f.name, line=1) from None
        lines.record_done()
        start = lines.lines + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except RecordTooLarge as big:
                row += 1
                bad.append((row, start, "record_size", big.prefix, None))
                start = lines.lines + 1
                continue
            except csv.Error as exc:
                raise LoadError(
                    f"not parseable as CSV: {exc} (a quote that never closes?)", file=f.name, line=start
                ) from None
            size = lines.used
            lines.record_done()
            if not record:  # a blank line is not a record
                start = lines.lines + 1
                continue
            row += 1
            if len(record) != width:
                bad.append((row, start, "field_count", None, json.dumps(_bare_cr(record))))
            else:
                batch.add(record, row, start, size)
            start = lines.lines + 1
    batch.flush()
    return bad


def _bare_cr(record: list[str]) -> list[str]:
    return [v.replace(BARE_CR, "\r") if BARE_CR in v else v for v in record]


class _Batch:
    """Rows of the exact path on their way to DuckDB, a few MB at a time."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, header: tuple[str, ...]) -> None:
        self.con, self.table, self.header = con, table, header
        self.columns: list[list[str | None]] = [[] for _ in header]
        self.rows: list[int] = []
        self.lines: list[int] = []
        self.bytes = 0

    def add(self, record: list[str], row: int, line: int, size: int) -> None:
        record = _bare_cr(record)
        for i, value in enumerate(record):
            self.columns[i].append(value if value != "" else None)
        self.rows.append(row)
        self.lines.append(line)
        self.bytes += size
        if len(self.rows) >= BATCH_ROWS or self.bytes >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        arrays = [pa.array(col, pa.string()) for col in self.columns]
        arrays += [pa.array(self.rows, pa.int64()), pa.array(self.lines, pa.int64())]
        arrow = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])  # noqa: F841
        self.con.sql(f"insert into {self.table} select * from arrow")  # DuckDB's replacement scan
        self.columns = [[] for _ in self.header]
        self.rows, self.lines, self.bytes = [], [], 0


def _stage_parquet(con: duckdb.DuckDBPyConnection, f: ExportFile, table: str) -> list[BadRow]:
    try:
        rel = con.sql("select * from read_parquet(?)", params=[str(f.path)])
        types = dict(zip(rel.columns, (str(t) for t in rel.dtypes), strict=True))
    except duckdb.Error as exc:
        raise LoadError(f"not a readable Parquet file: {shown(str(exc).splitlines()[0], 200)}", file=f.name) from None
    if len(types) != len(rel.columns):
        raise LoadError("duplicate column name(s) in the Parquet schema", file=f.name)
    f.header = _check_header(f, list(rel.columns))  # every name, exactly: nothing else reaches SQL
    f.sha256 = _sha256(f.path)
    texts = {c: _parquet_text(ident(c), types[c]) for c in f.spec.column_names}
    size = " + ".join(f"coalesce(strlen({t}), 0)" for t in texts.values())
    source = "read_parquet(?, file_row_number = true)"
    total, over = con.sql(
        f"select coalesce(sum(s), 0), count(*) filter (where s > ?) from (select {size} as s from {source})",
        params=[f.limits.record, str(f.path)],
    ).fetchall()[0]
    file_size = f.path.stat().st_size
    if total > EXPANSION_FLOOR and total > MAX_EXPANSION * file_size:
        raise LoadError(
            f"its text expands to {_size(total)} from a {_size(file_size)} file (more than "
            f"{MAX_EXPANSION} times): refused as a decompression bomb; export it as CSV",
            file=f.name,
            rule="parquet_expansion",
        )
    selects = ", ".join(f"{t} as {ident(c)}" for c, t in texts.items())
    con.sql(
        f"""
        create or replace temp table {table} as
        select {selects}, file_row_number + 1 as _row, file_row_number + 1 as _line
        from {source} where {size} <= ?
        order by file_row_number
    """,
        params=[str(f.path), f.limits.record],
    )
    if not over:
        return []
    record = "left(concat_ws(',', " + ", ".join(texts.values()) + f"), {KEEP_CHARS})"
    rows = con.sql(
        f"select file_row_number + 1, {record} from {source} where {size} > ? order by 1",
        params=[str(f.path), f.limits.record],
    ).fetchall()
    return [(r, r, "record_size", prefix, None) for r, prefix in rows]


def _size(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.1f} KB"


def _parquet_text(col: str, dtype: str) -> str:
    """Parquet values as the text the CSV format would carry (Yes/No, ISO dates); `col` is quoted."""
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
