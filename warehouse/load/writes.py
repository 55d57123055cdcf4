"""The load's database work: staging the unreadable rows, the reference checks, and the writes to the raw layer."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..contract import FILES, FileSpec
from ..db import first, scalar
from . import exportfile, raw, references, validate
from .limits import KEEP_CHARS, Limits
from .manifest import Manifest
from .results import LoadResult, _summarize

#: `key`: the key values the row holds ([] for a row of blank fields, NULL when they cannot be read: reader.BadRow)
FC_COLUMNS = "(line bigint, rule varchar, raw_value varchar, record json, key varchar[])"


def _stage_unreadable_rows(con: duckdb.DuckDBPyConnection, f: exportfile.ExportFile, bad_rows: list) -> None:
    """Rows the reader could not stage (field_count, record_size), kept for the quarantine, with their keys."""
    con.sql(f"create or replace temp table fc_{f.spec.name} {FC_COLUMNS}")
    if bad_rows:
        con.executemany(
            f"insert into fc_{f.spec.name} values (?, ?, ?, ?, ?)",
            [
                (line, rule, value, record, None if key is None else list(key))
                for _, line, rule, value, record, key in bad_rows
            ],
        )


def _create_empty_checked(con: duckdb.DuckDBPyConnection, present: dict[str, exportfile.ExportFile]) -> None:
    """Absent optional files behave as files with a header and no rows."""
    for spec in FILES:
        if spec.name in present:
            continue
        cols = ", ".join(f"null::varchar as {c}" for c in spec.column_names)
        con.sql(
            f"create or replace temp table read_{spec.name} as "
            f"select {cols}, 0::bigint as _row, 0::bigint as _line where false"
        )
        validate.run(con, spec, f"read_{spec.name}", f"checked_{spec.name}")
        con.sql(f"create or replace temp table fc_{spec.name} {FC_COLUMNS}")


def _resolve(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> dict[str, int]:
    """Plan the deletions and check the references, file by file; return the deletions held back per file."""
    full = manifest.kind == "full"
    withheld = {}
    for spec in FILES:
        if spec.year_via == "activity" and spec.name != "activities" and not _has_act_info(con):
            references.activity_years(con)
        withheld[spec.name] = references.plan_deletions(con, spec, manifest.reporting_years, full)
        references.check_references(con, spec)
    return withheld


def _has_act_info(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(first(con, "select count(*) from duckdb_tables() where temporary and table_name = 'act_info'")[0])


def _write(
    con: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    files: list[exportfile.ExportFile],
    digest: str,
    export: Path,
    started: float,
    sizes: Limits,
    withheld: dict[str, int],
) -> LoadResult:
    names = {f.spec.name: f.name for f in files}
    load_id = scalar(con, "select coalesce(max(load_id), 0) + 1 from raw.load_history")
    summaries = {}
    for spec in FILES:
        file_name = names.get(spec.name, f"{spec.name}.csv")
        summary = _summarize(con, spec, file_name)
        summary.new_versions = raw.insert_versions(con, spec, f"checked_{spec.name}", load_id, manifest.export_id)
        summary.deleted = raw.insert_tombstones(con, spec, f"del_{spec.name}", load_id, manifest.export_id)
        summary.deletions_withheld = withheld.get(spec.name, 0)
        _insert_quarantine(con, spec, file_name, load_id, manifest.export_id, sizes.field)
        if spec.name in names or summary.read or summary.deleted or summary.deletions_withheld:
            summaries[file_name] = summary
    seconds = time.perf_counter() - started
    con.sql(
        """insert into raw.load_history values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        params=[
            load_id,
            manifest.export_id,
            manifest.kind,
            manifest.exported_at.replace(tzinfo=None),
            list(manifest.reporting_years),
            digest,
            str(export.resolve()),
            datetime.now(UTC).replace(tzinfo=None),
            seconds,
            json.dumps({n: s.as_dict() for n, s in summaries.items()}),
        ],
    )
    return LoadResult(manifest.export_id, "loaded", load_id, manifest.kind, summaries, time.perf_counter() - started)


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection,
    spec: FileSpec,
    file_name: str,
    load_id: int,
    export_id: str,
    field_limit: int,
) -> None:
    def kept(col: str) -> str:  # a value over the field limit is kept as its first KEEP_CHARS characters
        v = f's."{col}"'
        return f"case when strlen({v}) > {int(field_limit)} then left({v}, {KEEP_CHARS}) else {v} end"

    raw_value = "case c._column " + " ".join(f"when '{col}' then {kept(col)}" for col in spec.column_names) + " end"
    record = "json_object(" + ", ".join(f"'{col}', {kept(col)}" for col in spec.column_names) + ")"
    con.sql(
        f"""
        insert into raw.quarantine
        select {load_id}, ?, ?, c._line, c._column, c._rule, {raw_value}, {record}
        from checked_{spec.name} c join read_{spec.name} s using (_row)
        where c._rule is not null
        order by c._line
    """,
        params=[export_id, file_name],
    )
    con.sql(
        f"""
        insert into raw.quarantine
        select {load_id}, ?, ?, line, null, rule, raw_value, record from fc_{spec.name} order by line
    """,
        params=[export_id, file_name],
    )
