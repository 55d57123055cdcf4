"""The incremental-build tests' shared parts: their node exclusions, two warehouses compared, a built one cleared.

Also the CSV rows of an export's file read and written as dicts (the late exports of test_build_replay.py and the
corrections of test_build_replay_moc_review.py).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

#: Build bookkeeping, not published data: when each incremental model last ran (differs by design).
NOT_COMPARED = ("raw", "meta")
#: Intermediate builds run the models only; the last one runs every test too.
MODELS_ONLY = "resource_type:test resource_type:unit_test"
UNIT_TESTS = "resource_type:unit_test"


def differences(a: Path, b: Path, schemas: tuple[str, ...] | None = None) -> list[str]:
    """Tables and views of every schema but raw and meta (or of `schemas`) that differ as multisets of rows (or
    exist once)."""
    con = duckdb.connect()
    try:
        for path in (a, b):
            con.sql(f"attach '{path}' (read_only)")  # as its file stem: the catalog its views refer to
        names = {}
        for cat in (a.stem, b.stem):
            names[cat] = {
                (s, t)
                for s, t in con.sql(
                    "select table_schema, table_name from information_schema.tables where table_catalog = ?",
                    params=[cat],
                ).fetchall()
                if s not in NOT_COMPARED and (schemas is None or s in schemas)
            }
        out = [f"only in {cat}: {s}.{t}" for cat in names for s, t in names[cat] - set.intersection(*names.values())]
        for schema, table in sorted(set.intersection(*names.values())):
            x, y = f'"{a.stem}"."{schema}"."{table}"', f'"{b.stem}"."{schema}"."{table}"'
            n = con.sql(
                f"select (select count(*) from (from {x} except all from {y})) + "
                f"(select count(*) from (from {y} except all from {x}))"
            ).fetchall()[0][0]
            if n:
                out.append(f"{schema}.{table}: {n} row(s) differ")
        return out
    finally:
        con.close()


def keep_and_clear_built(replay: Path, kept: Path) -> Path:
    """Copy the incrementally built `replay` to `kept`, then drop every schema of `replay` but raw (and main, the
    seeds' schema), so that a build of it is one from nothing at the same path (dbt's parse state reused)."""
    shutil.copyfile(replay, kept)
    con = duckdb.connect(str(replay))
    try:
        for (schema,) in con.sql(
            "select schema_name from information_schema.schemata where catalog_name = current_database() "
            "and schema_name not in ('raw', 'main')"
        ).fetchall():
            con.sql(f'drop schema "{schema}" cascade')
    finally:
        con.close()
    return kept


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
