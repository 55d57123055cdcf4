"""The app's one read-only connection to the warehouse and its cached queries (marts only, selection only).

`pars build` publishes a new warehouse by os.replace()-ing the file: the connection notes the file's identity
(inode, mtime, size) when it opens and reopens when it changes; the query cache is keyed by that identity, so
a swapped warehouse is never answered from the old file's cache. Queries only select and filter rows of the
marts listed in TABLES; every figure the pages show is computed by dbt.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards import settings

# The marts the staff and reviewer pages read (schema.table). Nothing else can be queried.
TABLES = frozenset({
    "annual_report.activity_rollup",
    "annual_report.enterprise_size",
    "annual_report.activity_matrix",
    "annual_report.income_by_organization_type",
    "annual_report.year_over_year_changes",
    "main.organization_types",
    "main.activity_types",
    "moc.board_summary",
    "moc.provider_reporting_timeliness",
    "rems.summary",
    "rems.activity_list",
    "review.current_term",
    "review.accreditation_history",
    "review.term_profile",
    "review.data_completeness",
    "review.data_completeness_by_provider",
    "review.pip_sample",
    "review.peer_comparison",
    "staging.stg_pars__load_history",
    "staging.stg_pars__quarantine",
    "ops.quarantine_summary",
    "ops.data_completeness_overview",
    "ops.operations_summary",
})
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class WarehouseUnavailable(RuntimeError):
    pass


def file_identity(path: Path) -> tuple[int, int, int]:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise WarehouseUnavailable(f"the warehouse {path} does not exist (run `pars load` and `pars build`)") from None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


class Warehouse:
    """One read-only view of the warehouse file, reopened when the file is replaced; a cursor per query.

    DuckDB caches database instances by path within a process: connecting again to a path whose old connection
    is still alive returns the *old* file. So each (re)open makes a fresh in-memory instance and ATTACHes the
    file READ_ONLY as `wh`; queries run with `USE wh`, and the old instance goes when its last cursor closes.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int, int] | None = None
        self.opened = 0  # how many times the file was (re)opened

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            identity = file_identity(self.path)  # before attaching: a swap in between only causes a reopen
            if self._con is None or identity != self._identity:
                con = duckdb.connect(":memory:")
                con.execute("attach ? as wh (read_only)", [str(self.path)])
                self._con, self._identity = con, identity
                self.opened += 1
            cursor = self._con.cursor()
        cursor.execute("use wh")
        return cursor

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        for attempt in (1, 2):
            cursor = self.cursor()
            try:
                relation = cursor.sql(sql, params=params or [])
                frame = relation.df()
                for column, kind in zip(relation.columns, relation.types, strict=True):
                    if str(kind) == "DATE":  # show 2022-01-31, not a midnight timestamp
                        frame[column] = frame[column].dt.date
                return frame
            except duckdb.CatalogException as exc:
                raise WarehouseUnavailable(f"the warehouse {self.path} lacks a mart the page reads ({exc}); "
                                           "rebuild it with `pars build`") from None
            except duckdb.IOException:
                if attempt == 2:
                    raise
                with self._lock:  # the file went away under us: reopen and try once more
                    self._con = None
            finally:
                cursor.close()
        raise AssertionError("unreachable")


@st.cache_resource(show_spinner=False)
def warehouse(path: str) -> Warehouse:
    return Warehouse(Path(path))


def identity() -> tuple[int, int, int]:
    return file_identity(settings.warehouse())


def _where(filters: dict) -> tuple[str, list]:
    clauses, params = [], []
    for column, value in filters.items():
        if not IDENTIFIER.match(column):
            raise ValueError(f"not a column name: {column!r}")
        if value is None:
            clauses.append(f"{column} is null")
        elif isinstance(value, (list, tuple, set, frozenset)):
            values = list(value)
            if not values:
                clauses.append("false")
            else:
                clauses.append(f"{column} in ({', '.join('?' * len(values))})")
                params.extend(values)
        elif isinstance(value, Exclude):
            clauses.append(f"{column} is distinct from ?")
            params.append(value.value)
        else:
            clauses.append(f"{column} = ?")
            params.append(value)
    return (" where " + " and ".join(clauses)) if clauses else "", params


class Exclude:
    """A filter value meaning "every value but this one" (e.g. Exclude("All") for the parts of a subtotal)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self) -> str:  # part of the cache key
        return f"Exclude({self.value!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Exclude) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("Exclude", self.value))


@st.cache_data(show_spinner=False, max_entries=2000, ttl=6 * 3600, hash_funcs={Exclude: repr})
def _select(path: str, version: tuple, table: str, filters: tuple, columns: tuple | None, order_by: tuple | None,
            limit: int | None, distinct: bool = False) -> pd.DataFrame:
    where, params = _where(dict(filters))
    cols = ", ".join(columns) if columns else "*"
    sql = f"select {'distinct ' if distinct else ''}{cols} from {table}{where}"
    if order_by:
        sql += " order by " + ", ".join(order_by)
    if limit:
        sql += f" limit {int(limit)}"
    return warehouse(path).query(sql, params)


def select(table: str, filters: dict | None = None, columns: list[str] | None = None,
           order_by: list[str] | None = None, limit: int | None = None, distinct: bool = False) -> pd.DataFrame:
    """Rows of a mart, filtered by equality / IN / Exclude; cached per warehouse version."""
    if table not in TABLES:
        raise ValueError(f"not a mart the dashboards may read: {table}")
    for name in (columns or []) + [o.removesuffix(" desc") for o in (order_by or [])]:
        if not IDENTIFIER.match(name):
            raise ValueError(f"not a column name: {name!r}")
    path = settings.warehouse()
    frozen = tuple(sorted(((k, tuple(v) if isinstance(v, list) else v) for k, v in (filters or {}).items()),
                          key=lambda kv: kv[0]))
    return _select(str(path), identity(), table, frozen, tuple(columns) if columns else None,
                   tuple(order_by) if order_by else None, limit, distinct)


def distinct(table: str, column: str, filters: dict | None = None) -> list:
    """The distinct values of a column (sorted, without NULL)."""
    frame = select(table, filters, columns=[column], distinct=True)
    return sorted(frame[column].dropna().tolist())


@st.cache_data(show_spinner=False, max_entries=500, ttl=6 * 3600)
def _find_providers(path: str, version: tuple, text: str, limit: int) -> pd.DataFrame:
    sql = ("select provider_id, provider_name, organization_type, accreditor_type, state, "
           "current_accreditation_status, term_end_date from review.current_term "
           "where provider_id = ? or provider_name ilike ? order by provider_name, provider_id limit ?")
    return warehouse(path).query(sql, [text, f"%{text}%", limit])


def find_providers(text: str, limit: int = 50) -> pd.DataFrame:
    """Providers whose number is `text` or whose name contains it (case-insensitive)."""
    text = text.strip()
    path = settings.warehouse()
    return _find_providers(str(path), identity(), text, limit)
