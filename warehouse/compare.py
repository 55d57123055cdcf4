"""Compare the marts of two warehouses row for row: `python -m warehouse.compare BEFORE.duckdb AFTER.duckdb`.

For refactors that must not change any result: every table and view of the mart schemas (and core) is compared
with EXCEPT ALL in both directions (duplicates counted) over the columns it had before, matched by name (columns
added after are listed, not compared; a column removed is a difference). Prints one line per relation and
exits 1 if any differs or is missing on one side. The `meta` schema (build watermarks, unit-test stamps) and columns
that hold when, how long and from which folder a load or build ran (WALL_CLOCK) are left out: two loads of the
same export differ there by design.

The comparison runs under the commands' memory cap (warehouse/resources.py: 2GB, or $PARS_MEMORY_LIMIT) and spills
the rest to a private folder beside AFTER: at a decade, EXCEPT ALL over 20M completions held 18 GB uncapped and the
kernel killed it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from . import resources
from .db import ident

SKIP_SCHEMAS = {"main", "information_schema", "pg_catalog", "raw", "staging", "intermediate", "meta"}
WALL_CLOCK = {"loaded_at", "latest_loaded_at", "built_at", "last_built_at", "load_seconds", "source_path"}


def relations(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_catalog = ? order by table_schema, table_name, ordinal_position",
        [alias],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for schema, table, column in rows:
        if schema not in SKIP_SCHEMAS and not schema.startswith("dbt_"):
            columns = out.setdefault(f"{schema}.{table}", [])
            if column not in WALL_CLOCK:
                columns.append(column)
    return out


def compare(before: Path, after: Path, memory_limit: str | None = None) -> list[str]:
    """One problem per differing or missing relation (empty when every mart is identical)."""
    with resources.reading(Path(after), memory_limit) as settings:
        con = duckdb.connect()
        try:
            resources.apply_settings(con, settings)
            return _compare(con, before, after)
        finally:
            con.close()


def _compare(con: duckdb.DuckDBPyConnection, before: Path, after: Path) -> list[str]:
    con.execute("attach ? as before (read_only)", [str(before)])
    con.execute("attach ? as after (read_only)", [str(after)])
    a, b = relations(con, "before"), relations(con, "after")
    problems = [f"{name}: only in {before}" for name in sorted(a.keys() - b.keys())]
    problems += [f"{name}: only in {after}" for name in sorted(b.keys() - a.keys())]
    for name in sorted(a.keys() & b.keys()):
        removed = [c for c in a[name] if c not in b[name]]
        added = [c for c in b[name] if c not in a[name]]
        if removed:
            problems.append(f"{name}: columns only before: {removed}")
            continue
        schema, table = name.split(".")
        cols = ", ".join(ident(c) for c in a[name])
        rel = f"{ident(schema)}.{ident(table)}"
        only_before = con.sql(
            f"select count(*) from (select {cols} from before.{rel} except all select {cols} from after.{rel})"
        ).fetchall()[0][0]
        only_after = con.sql(
            f"select count(*) from (select {cols} from after.{rel} except all select {cols} from before.{rel})"
        ).fetchall()[0][0]
        if only_before or only_after:
            problems.append(f"{name}: {only_before} rows only before, {only_after} rows only after")
        else:
            print(f"same  {name}" + (f" (columns added after: {', '.join(added)})" if added else ""))
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    problems = compare(Path(args[0]), Path(args[1]))
    for problem in problems:
        print(f"DIFF  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
