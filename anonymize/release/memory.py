"""DuckDB's and Python's shares of a release's memory cap: phase marks for profiling, DuckDB made to give back
what it caches, and large tables fetched without two copies in flight (used by the learners release, measured in
benchmarks/RESULTS-10x.md)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

_STARTED = time.perf_counter()


def phase(name: str) -> None:
    """With PARS_PHASE_RSS set, print the process's resident memory (now and its peak) at a phase boundary to
    stderr (every profile; how the learners release was profiled: benchmarks/RESULTS-10x.md)."""
    if not os.environ.get("PARS_PHASE_RSS"):
        return
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    now, peak = (int(status[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM"))
    print(f"[rss] {time.perf_counter() - _STARTED:7.1f}s {now:6d} MiB (peak {peak:6d}) {name}", file=sys.stderr)


def current_limit(con: duckdb.DuckDBPyConnection) -> str:
    """The connection's memory_limit as DuckDB shows it (to 0.1 MiB), to set it back after a change."""
    return con.sql("select current_setting('memory_limit')").fetchall()[0][0]


def let_go(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    """Make DuckDB give back the memory it keeps between queries (the warehouse's cached blocks, finished
    temporary data) before Python's own heavy phase: its cap is lowered for a moment, then set to `limit` (the
    connection's, as `current_setting` shows it: to 0.1 MiB). DuckDB and Python share the release's cap, and DuckDB
    otherwise holds on to its half (measured: 680 MiB given back after the classes at a decade)."""
    try:
        con.execute("set memory_limit = '64MB'")
    except duckdb.Error:
        pass  # what DuckDB holds cannot be evicted now: it keeps it, and the release goes on under its cap
    finally:
        con.execute("set memory_limit = ?", [limit])


#: Rows per batch when a table comes back from DuckDB (`fetch_frame`).
FETCH_ROWS = 250_000


def fetch_frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """The relation as one polars frame in one chunk per column (as a polars sort leaves it: the Parquet file's row
    groups follow the chunks), fetched in batches and joined a column at a time, so the copies in flight are one
    batch of Arrow and one column, not the whole table twice."""
    batches = [pl.from_arrow(batch) for batch in relation.arrow(FETCH_ROWS)]
    if not batches:
        return pl.from_arrow(relation.arrow())
    columns = []
    for name in batches[0].columns:
        columns.append(pl.concat([b.get_column(name) for b in batches], rechunk=True))
        batches = [b.drop(name) for b in batches]
    return pl.DataFrame(columns)
