"""The raw layer (DuckDB schema `raw`): append-only versions, quarantine and load history.

Each data table keeps every version of every record with the load and export it came from; the
latest version of a key is the one with the highest `_load_id` (a deletion is a version too). The
staging models of the dbt project read exactly that.
"""

from __future__ import annotations

import duckdb

from ..contract import FILES, FileSpec
from ..db import scalar
from .validate import SQL_TYPES

SCHEMA = "raw"
META_COLUMNS = ("_load_id", "_export_id", "_line", "_is_deleted")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.sql(f"create schema if not exists {SCHEMA}")
    for spec in FILES:
        cols = ", ".join(f"{c.name} {SQL_TYPES[c.type]}" for c in spec.columns)
        con.sql(f"""
            create table if not exists {SCHEMA}.{spec.name} (
                {cols},
                _load_id integer not null,
                _export_id varchar not null,
                _line bigint,
                _is_deleted boolean not null
            )""")
    con.sql(f"""
        create table if not exists {SCHEMA}.quarantine (
            load_id integer not null,
            export_id varchar not null,
            file varchar not null,
            line bigint,
            column_name varchar,
            rule varchar not null,
            raw_value varchar,
            record json
        )""")
    con.sql(f"""
        create table if not exists {SCHEMA}.load_history (
            load_id integer primary key,
            export_id varchar not null,
            kind varchar not null,
            exported_at timestamp not null,
            reporting_years integer[] not null,
            content_sha256 varchar not null,
            source_path varchar,
            loaded_at timestamp not null,
            seconds double,
            summary json
        )""")


def schema_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        scalar(
            con,
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'load_history'",
        )
    )


def latest_sql(spec: FileSpec, live_only: bool = True) -> str:
    """The latest version of every key (live ones only, unless `live_only` is false)."""
    key = ", ".join(spec.key)
    where = "where not _is_deleted" if live_only else ""
    return f"""(select * from (
        select * from {SCHEMA}.{spec.name}
        qualify row_number() over (partition by {key} order by _load_id desc) = 1) {where})"""


def insert_versions(con: duckdb.DuckDBPyConnection, spec: FileSpec, checked: str, load_id: int, export_id: str) -> int:
    """Append the accepted rows whose content differs from their key's latest version (or that have none).

    Columns are compared directly (no content hash): nothing to keep stable across DuckDB versions, and
    on a first load, where there is nothing to compare with, the comparison is skipped entirely.
    """
    cols = ", ".join(spec.column_names)
    new = f"select {cols}, _line from {checked} where _copy = 1 and _rule is null"
    before = _count(con, spec)
    if before:
        join = " and ".join(f"l.{k} = n.{k}" for k in spec.key)
        changed = " or ".join(f"l.{c} is distinct from n.{c}" for c in spec.column_names if c not in spec.key)
        new = f"""
            with new as ({new}), latest as {latest_sql(spec, live_only=False)}
            select n.* from new n left join latest l on {join}
            where l._load_id is null or l._is_deleted{f" or {changed}" if changed else ""}"""
    con.sql(
        f"""
        insert into {SCHEMA}.{spec.name} ({cols}, {", ".join(META_COLUMNS)})
        select {cols}, {load_id}, ?, _line, false from ({new})
    """,
        params=[export_id],
    )
    return _count(con, spec) - before


def insert_tombstones(
    con: duckdb.DuckDBPyConnection, spec: FileSpec, deleted: str, load_id: int, export_id: str
) -> int:
    key = ", ".join(spec.key)
    before = _count(con, spec)
    con.sql(
        f"""
        insert into {SCHEMA}.{spec.name} ({key}, {", ".join(META_COLUMNS)})
        select {key}, {load_id}, ?, null, true from {deleted}
    """,
        params=[export_id],
    )
    return _count(con, spec) - before


def _count(con: duckdb.DuckDBPyConnection, spec: FileSpec) -> int:
    return scalar(con, f"select count(*) from {SCHEMA}.{spec.name}")
