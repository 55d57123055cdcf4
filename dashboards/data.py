"""The app's read-only queries on the warehouse and their cache (marts only, selection only).

No query leaves the file attached, so the app never holds the file between queries (`pars load` and `pars build`
never wait for it). `pars build` publishes a new warehouse by os.replace()-ing the file and `pars load` rewrites
it in place: the query cache is keyed by the file's identity (inode, mtime, size), so a changed warehouse is never
answered from the old file's cache. Queries only select and filter rows of the
marts listed in TABLES; every figure the pages show is computed by dbt.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards import settings

# The marts the staff and reviewer pages read (schema.table). Nothing else can be queried.
TABLES = frozenset(
    {
        "annual_report.activity_rollup",
        "annual_report.enterprise_size",
        "annual_report.activity_matrix",
        "annual_report.income_by_organization_type",
        "annual_report.year_over_year_changes",
        "core.dim_organization_types",
        "core.dim_activity_types",
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
        "ops.load_history",
        "ops.quarantined_rows",
        "ops.quarantine_summary",
        "ops.data_completeness_overview",
        "ops.operations_summary",
        "ops.completeness_by_severity",
        "ops.completeness_follow_up",
        "ops.quarantine_rule_catalogue",
    }
)
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
    """Read-only queries on the warehouse file, which is attached for each query and detached right after it.

    Why nothing is kept open: DuckDB locks the file for as long as any connection has it attached (a read-only
    one takes a shared lock), and `pars load` writes the file in place: a connection kept between queries, by any
    session, refused every load ("in use by another process"). So each query ATTACHes the file READ_ONLY, runs,
    and DETACHes it; between queries the app holds no handle on the file, and a load or a build never waits for
    the dashboards. A query that meets a load at work (the writer's lock) retries for a moment, then says the
    warehouse is busy. The query cache (st.cache_data, keyed by the file's identity) spares most queries.

    The attaching is done by small in-memory DuckDB instances kept in a pool (one per concurrent query): starting
    an instance costs several times more than attaching a file to one. A fresh ATTACH, never `duckdb.connect(path)`:
    DuckDB caches database instances by path within a process, and connecting to a path that another thread still
    has open would return that instance, that is the file as it was before a build swapped it.
    """

    BUSY_SECONDS = 3.0  # how long a query waits for a load to release the file before giving up
    IDLE_INSTANCES = 4  # in-memory instances kept between queries (they hold no file)

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self.opened = 0  # how many times the file was attached (one per query)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._lock:
            con = self._idle.pop() if self._idle else duckdb.connect(":memory:")
        reusable = False
        try:
            self._attach(con)
            try:
                relation = con.sql(sql, params=params or [])
                frame = relation.df()
                for column, kind in zip(relation.columns, relation.types, strict=True):
                    if str(kind) == "DATE":  # show 2022-01-31, not a midnight timestamp
                        frame[column] = frame[column].dt.date
            except duckdb.CatalogException as exc:
                raise WarehouseUnavailable(
                    f"the warehouse {self.path} lacks a mart the page reads "
                    f"({_first_line(exc)}); rebuild it with `pars build`"
                ) from None
            finally:
                con.execute("use memory")
                con.execute("detach wh")  # releases the file (and its lock) now
            reusable = True
            return frame
        finally:
            if reusable:
                with self._lock:
                    if len(self._idle) < self.IDLE_INSTANCES:
                        self._idle.append(con)
                        con = None
            if con is not None:
                con.close()

    def _attach(self, con: duckdb.DuckDBPyConnection) -> None:
        deadline = time.monotonic() + self.BUSY_SECONDS
        while True:
            file_identity(self.path)  # a clear message when the file is missing
            try:
                con.execute("attach ? as wh (read_only)", [str(self.path)])
            except duckdb.Error as exc:
                if not _locked(exc):
                    raise WarehouseUnavailable(
                        f"the warehouse {self.path} cannot be read ({_first_line(exc)})"
                    ) from None
                if time.monotonic() >= deadline:
                    raise WarehouseUnavailable(
                        f"the warehouse {self.path} is busy: a load is writing it; reload the page in a moment"
                    ) from None
                time.sleep(0.1)
                continue
            con.execute("use wh")
            with self._lock:
                self.opened += 1
            return


def _locked(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


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
def _select(
    path: str,
    version: tuple,
    table: str,
    filters: tuple,
    columns: tuple | None,
    order_by: tuple | None,
    limit: int | None,
    distinct: bool = False,
) -> pd.DataFrame:
    where, params = _where(dict(filters))
    cols = ", ".join(columns) if columns else "*"
    sql = f"select {'distinct ' if distinct else ''}{cols} from {table}{where}"
    if order_by:
        sql += " order by " + ", ".join(order_by)
    if limit:
        sql += f" limit {int(limit)}"
    return warehouse(path).query(sql, params)


def select(
    table: str,
    filters: dict | None = None,
    columns: list[str] | None = None,
    order_by: list[str] | None = None,
    limit: int | None = None,
    distinct: bool = False,
) -> pd.DataFrame:
    """Rows of a mart, filtered by equality / IN / Exclude; cached per warehouse version."""
    if table not in TABLES:
        raise ValueError(f"not a mart the dashboards may read: {table}")
    for name in (columns or []) + [o.removesuffix(" desc") for o in (order_by or [])]:
        if not IDENTIFIER.match(name):
            raise ValueError(f"not a column name: {name!r}")
    path = settings.warehouse()
    frozen = tuple(
        sorted(((k, tuple(v) if isinstance(v, list) else v) for k, v in (filters or {}).items()), key=lambda kv: kv[0])
    )
    return _select(
        str(path),
        identity(),
        table,
        frozen,
        tuple(columns) if columns else None,
        tuple(order_by) if order_by else None,
        limit,
        distinct,
    )


def distinct(table: str, column: str, filters: dict | None = None) -> list:
    """The distinct values of a column (sorted, without NULL)."""
    frame = select(table, filters, columns=[column], distinct=True)
    return sorted(frame[column].dropna().tolist())


@st.cache_data(show_spinner=False, max_entries=500, ttl=6 * 3600)
def _find_providers(path: str, version: tuple, text: str, limit: int) -> pd.DataFrame:
    sql = (
        "select provider_id, provider_name, organization_type, accreditor_type, state, "
        "current_accreditation_status, term_end_date from review.current_term "
        "where provider_id = ? or provider_name ilike ? order by provider_name, provider_id limit ?"
    )
    return warehouse(path).query(sql, [text, f"%{text}%", limit])


def find_providers(text: str, limit: int = 50) -> pd.DataFrame:
    """Providers whose number is `text` or whose name contains it (case-insensitive)."""
    text = text.strip()
    path = settings.warehouse()
    return _find_providers(str(path), identity(), text, limit)
