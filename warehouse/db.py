"""Small DuckDB helpers (DuckDB 2.0 relations keep no result: read them whole, at once)."""

from __future__ import annotations

from typing import Any

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """The first column of the first row of `sql` (None when there is no row)."""
    rows = con.sql(sql, params=params).fetchall()
    return rows[0][0] if rows else None


def first(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    rows = con.sql(sql, params=params).fetchall()
    return rows[0] if rows else None


def ident(name: object) -> str:
    """A SQL identifier, double-quoted with its quotes doubled: the one way a name (a column, a table, a schema from
    the contract, the warehouse's catalogue or a register entry) enters SQL text."""
    return '"' + str(name).replace('"', '""') + '"'
