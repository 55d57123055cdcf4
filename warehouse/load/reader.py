"""Reading each of an export's files, as text, into a DuckDB staging table.
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

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa

from ..db import ident, scalar
from .errors import LoadError
from .exportfile import ExportFile, _check_header, shown
from .limits import EXPANSION_FLOOR, KEEP_CHARS, MAX_EXPANSION
from .lines import BARE_CR, CHUNK, BoundedLines, RecordTooLarge

#: Rows of the exact path sent to DuckDB at a time (bounds the Python side's memory on big files).
BATCH_ROWS = 50_000
BATCH_BYTES = 32 << 20
#: DuckDB's fast path reads lines up to this size; a longer line sends the file to the exact path.
FAST_MAX_LINE = 2 << 20


#: A row the reader could not stage: (record number, line, rule, raw value, record as JSON or None, key). `key` is
#: the values of the file's key columns the row holds (read by their position in the header): () for a row with
#: no content (blank fields only), None when its key cannot be read (see `claimed_key`).
BadRow = tuple[int, int, str, "str | None", "str | None", "tuple[str, ...] | None"]


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
    positions = [f.header.index(k) for k in f.spec.key]
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
                bad.append((row, start, "record_size", big.prefix, None, _key_from_prefix(big.prefix, positions)))
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
                key = claimed_key(record, positions, len(record))
                bad.append((row, start, "field_count", None, json.dumps(_bare_cr(record)), key))
            else:
                batch.add(record, row, start, size)
            start = lines.lines + 1
    batch.flush()
    return bad


def claimed_key(fields: list[str], positions: list[int], complete: int) -> tuple[str, ...] | None:
    """The key a row the reader could not stage still holds: its values at the key columns' positions.

    Only the first `complete` fields are whole. A row of blank fields holds no record (); a row whose key
    fields are missing or blank may be any record (None): a full export then deletes nothing from that file.
    A stray field before the key column shifts it: the row then holds another key, which keeps that record
    from a deletion (the safe side) or matches nothing.
    """
    if all(not v.strip() for v in fields[:complete]) and complete == len(fields):
        return ()
    if max(positions) >= complete:
        return None
    key = tuple(fields[p] for p in positions)
    return key if all(v.strip() for v in key) else None


def _key_from_prefix(prefix: str, positions: list[int]) -> tuple[str, ...] | None:
    """The key in the first characters of a record over the record limit (its last field there is cut)."""
    try:
        fields = next(csv.reader(io.StringIO(prefix)), [])
    except csv.Error:
        return None
    return claimed_key(fields, positions, len(fields) - 1) or None


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
    keys = ", ".join(f"{texts[k]}" for k in f.spec.key)
    rows = con.sql(
        f"select file_row_number + 1, {record}, [{keys}] from {source} where {size} > ? order by 1",
        params=[str(f.path), f.limits.record],
    ).fetchall()
    return [(r, r, "record_size", prefix, None, _parquet_key(key)) for r, prefix, key in rows]


def _parquet_key(values: list[str | None]) -> tuple[str, ...] | None:
    """A Parquet row's key values, typed: read whole even when the row is over the record limit."""
    key = tuple(v or "" for v in values)
    return key if all(v.strip() for v in key) else None


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
