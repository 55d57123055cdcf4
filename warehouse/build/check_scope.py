"""Which rows a build's data checks read: every row, or those the loads since the last checked build can change.

A whole build that ran every data test and passed records, in the published file (meta.checks_passed, outside
the marts), the last load it saw: every row then passed its checks. The next build of the same project, whole
and incremental, checks only what the loads after that one can have changed (the rows of the reporting years
they touched, the staging rows they wrote, the completions they changed: macros/incremental/check_scope.sql);
the other rows are the ones that passed, unchanged. `pars build` writes the load to start from into its working
copy (meta.check_scope) before dbt runs; NULL there means every row, as in a first or full build, a build of a
changed project or a `--select` build (then the checks of what it built read every row). A failed build is not
published, so its loads stay to be checked by the next one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

PASSED = "meta.checks_passed"
SCOPE = "meta.check_scope"


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, table = name.split(".")
    return bool(
        con.sql(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            params=[schema, table],
        ).fetchall()[0][0]
    )


def passed_through(db: Path) -> int | None:
    """The last load through which every data test passed on the published file `db` (None: not known)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        if not _has_table(con, PASSED):
            return None
        rows = con.sql(f"select load_id from {PASSED}").fetchall()
        return rows[0][0] if rows else None
    finally:
        con.close()


def write_scope(copy: Path, since: int | None) -> None:
    """Tell the checks of the build on the working copy `copy` which loads to check (None: every row).

    Left in the copy's write-ahead log (no checkpoint when this connection closes): dbt's connection, opened next,
    reads it, and checkpoints with its own writes. A checkpoint here was the first of the just-copied file, which
    waits for the whole copy to reach the disk (1.1-1.5 s at a decade) before dbt could start; dbt's first
    checkpoint comes later, when the kernel has written most of it back. A build that stops before publishing
    removes the copy's log with the copy (workcopy.discard, workcopy.remove_stale). The log is no more open than the
    copy: a build runs under files.created_no_wider_than(the warehouse)."""
    con = duckdb.connect(str(copy))
    try:
        con.sql("pragma disable_checkpoint_on_shutdown")
        con.sql("create schema if not exists meta")
        con.sql(f"create or replace table {SCOPE} as select ?::integer as since_load_id", params=[since])
    finally:
        con.close()


def remember_passed(copy: Path) -> None:
    """Record in the working copy (before it is published) that every data test passed on every load in it (a
    warehouse without a raw layer, e.g. another project's, records nothing: its next build checks every row)."""
    con = duckdb.connect(str(copy))
    try:
        if not _has_table(con, "raw.load_history"):
            return
        con.sql("create schema if not exists meta")
        con.sql(
            f"create or replace table {PASSED} as "
            "select coalesce(max(load_id), 0)::integer as load_id, now()::timestamp as passed_at from raw.load_history"
        )
    finally:
        con.close()


def forget_passed(copy: Path) -> None:
    """Record in the working copy that no whole build of its project has passed every data test yet (a build of a
    changed project that excluded the data tests): the next build checks every row, the seeds' checks too."""
    con = duckdb.connect(str(copy))
    try:
        if _has_table(con, PASSED):
            con.sql(f"delete from {PASSED}")
    finally:
        con.close()
