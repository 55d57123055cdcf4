"""What the synthetic generator's tests share: exports generated into temporary folders, SQL over their CSV text."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.contract import FILES
from warehouse.synth import generate

MULTI = (2013, 2020)  # REMS from 2013, legacy income to 2014, OTH from 2017, professions from 2019


def _gen(tmp_path_factory, name: str, **kw) -> Path:
    out = tmp_path_factory.mktemp(name) / "export"
    generate(out, **kw)
    return out


def _views(export: Path) -> duckdb.DuckDBPyConnection:
    """Views over the CSV text; rows with a wrong field count (defects) are skipped."""
    con = duckdb.connect()
    for spec in FILES:
        con.sql(
            f"create view {spec.name} as select * from read_csv('{export / spec.name}.csv', all_varchar=true,"
            f" header=true, quote='\"', escape='\"', ignore_errors=true)"
        )
    return con


def row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.sql(sql).fetchall()[0]


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return row(con, sql)[0]
