"""Shared fixtures: small exports from the synthetic generator and warehouse fingerprints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from warehouse.load import load_export

BASE_SCALE = 0.004


@pytest.fixture(scope="session")
def base_export(tmp_path_factory) -> Path:
    """A valid one-year export (no defects), generated once per session; copy it before changing it."""
    from warehouse.synth import generate

    out = tmp_path_factory.mktemp("base") / "export"
    generate(out, scale=BASE_SCALE, years=(2022, 2022), seed=7)
    return out


@pytest.fixture(scope="session")
def multi_year_export(tmp_path_factory) -> Path:
    from warehouse.synth import generate

    out = tmp_path_factory.mktemp("multi") / "export"
    generate(out, scale=BASE_SCALE, years=(2018, 2020), seed=11)
    return out


@pytest.fixture
def export_copy(base_export, tmp_path) -> Path:
    """A private copy of the base export, with its own export_id, to break in one test."""
    return copy_export(base_export, tmp_path / "export", suffix="-copy")


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
        tables = con.sql("select table_schema, table_name from information_schema.tables "
                         "order by 1, 2").fetchall()
        out = {}
        for schema, name in tables:
            rows = con.sql(f"select count(*), coalesce(sum(hash(t)), 0)::varchar "
                           f"from {schema}.{name} t").fetchall()[0]
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


@pytest.fixture(scope="session")
def loaded_db(base_export, tmp_path_factory) -> Path:
    """A warehouse holding the base export, loaded once; each test works on its own copy (`db`)."""
    db = tmp_path_factory.mktemp("wh") / "base.duckdb"
    load_export(base_export, db)
    return db


@pytest.fixture
def db(loaded_db, tmp_path) -> Path:
    target = tmp_path / "w.duckdb"
    shutil.copy(loaded_db, target)
    return target


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """A published warehouse (loaded and built) over three years at scale 0.01, built once per session.

    Shared by the report, release and dashboard tests: treat it as read-only (copy it to change it).
    """
    from warehouse.build import build
    from warehouse.synth import generate

    root = tmp_path_factory.mktemp("built")
    generate(root / "export", scale=0.01, years=(2020, 2022), seed=3)
    db = root / "warehouse.duckdb"
    load_export(root / "export", db)
    result = build(db)
    assert result.ok, result.failures
    return db
