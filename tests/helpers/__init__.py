"""Helpers shared by the tests: import them as `from tests.helpers import copy_export, fingerprint, query`.

- `tests.helpers` (this module): exports to change (copy_export, read_manifest, set_manifest) and warehouse checks
  (fingerprint, query);
- `tests.helpers.loadcases`: reading and editing an export's files cell by cell;
- `tests.helpers.loadchecks`: the malformed-input assertions (a stop changes nothing, a row gets its rule);
- `tests.helpers.reportchecks`: PDF text and layout checks of the reports;
- `tests.helpers.replay`: what the incremental-build tests share (node exclusions, two warehouses compared);
- `tests.helpers.consumer`: what the consumer-marts tests share (with their module fixture `clean`);
- `tests.helpers.synth`: what the synthetic generator's tests share (generated exports, SQL over their CSV text).

Fixtures stay in the conftest.py files, but for the few that test files import by name: `dbt_work`
(tests.helpers.dbtwork), `unchanged_rebuild` (tests.helpers.rebuild) and `clean` (tests.helpers.consumer).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

BASE_SCALE = 0.004


def copy_export(src: Path, dst: Path, suffix: str = "") -> Path:
    """A copy to change: without the manifest's `files` entries (the hashes and row counts of the generated
    files), so a test's edit is not refused as a changed file; tests of those entries write their own."""
    shutil.copytree(src, dst)
    (dst / "expected.json").unlink(missing_ok=True)
    manifest = read_manifest(dst)
    manifest.pop("files", None)
    if suffix:
        manifest["export_id"] += suffix
    (dst / "manifest.json").write_text(json.dumps(manifest))
    return dst


def read_manifest(export: Path) -> dict:
    return json.loads((export / "manifest.json").read_text())


def set_manifest(export: Path, **fields) -> None:
    manifest = read_manifest(export)
    manifest.update(fields)
    (export / "manifest.json").write_text(json.dumps(manifest))


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content hash of every table of the warehouse."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.sql("select table_schema, table_name from information_schema.tables order by 1, 2").fetchall()
        out = {}
        for schema, name in tables:
            rows = con.sql(f"select count(*), coalesce(sum(hash(t)), 0)::varchar from {schema}.{name} t").fetchall()[0]
            out[f"{schema}.{name}"] = (rows[0], rows[1])
        return out
    finally:
        con.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql, params=params).fetchall()
    finally:
        con.close()
