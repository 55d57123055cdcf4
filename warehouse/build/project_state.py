"""Whether a build must run the dbt unit tests: only when the project changed since they last passed.

Unit tests run on the fixture rows written in the project's YAML, never on warehouse data, so their outcome
depends only on the project's files and the versions of dbt, dbt-duckdb and DuckDB. A build that ran every
unit test and passed stores a hash of those in the warehouse (meta.unit_tests_passed, outside the published
marts); the next build with the same hash leaves the unit tests out. Data tests always run.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb

#: The project's folders and files whose content decides the unit tests' outcome.
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "snapshots", "data-tests")
PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")
TABLE = "meta.unit_tests_passed"


def project_hash(project_dir: Path) -> str:
    digest = hashlib.sha256()
    for package in PACKAGES:
        try:
            digest.update(f"{package}=={version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} missing\n".encode())
    for part in PROJECT_PARTS:
        root = project_dir / part
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(f"{path.relative_to(project_dir)}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def passed_hash(db: Path) -> str | None:
    """The project hash of the last build that ran every unit test and passed, from the published file."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.sql(
            "select count(*) from information_schema.tables "
            "where table_schema = 'meta' and table_name = 'unit_tests_passed'"
        ).fetchall()[0][0]
        if not found:
            return None
        rows = con.sql(f"select project_hash from {TABLE}").fetchall()
        return rows[0][0] if rows else None
    finally:
        con.close()


def remember_passed(copy: Path, digest: str) -> None:
    """Record in the working copy (before it is published) that every unit test passed on this project."""
    con = duckdb.connect(str(copy))
    try:
        con.sql("create schema if not exists meta")
        con.sql(f"create or replace table {TABLE} (project_hash varchar not null, passed_at timestamp not null)")
        con.sql(f"insert into {TABLE} values (?, now()::timestamp)", params=[digest])
    finally:
        con.close()


#: The project hash of the last build whose models all ran: the incremental models' tables were built by it.
BUILT_TABLE = "meta.incremental_project"


#: Python code the Python models import (their output depends on it, the unit tests' do not).
MODEL_CODE = ("anonymize",)


def models_hash(project_dir: Path, project_digest: str | None = None) -> str:
    """project_hash (`project_digest` when the caller has it: each reads every file of the project) and the Python
    code the Python models import: what the incremental models' rows depend on."""
    digest = hashlib.sha256((project_digest or project_hash(project_dir)).encode())
    for part in MODEL_CODE:
        for path in sorted((project_dir / part).rglob("*.py")):
            digest.update(f"{path.relative_to(project_dir)}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def built_hash(db: Path) -> str | None:
    """The project hash the incremental models of the published file were last built with (None: unknown).

    A build whose project differs runs with --full-refresh: an incremental model keeps its old rows, so rows
    written by older SQL (or older seeds, macros, dbt or DuckDB) would otherwise stay beside new ones.
    """
    con = duckdb.connect(str(db), read_only=True)
    try:
        schema, table = BUILT_TABLE.split(".")
        found = con.sql(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            params=[schema, table],
        ).fetchall()[0][0]
        if not found:
            return None
        rows = con.sql(f"select project_hash from {BUILT_TABLE}").fetchall()
        return rows[0][0] if rows else None
    finally:
        con.close()


def remember_built(copy: Path, digest: str) -> None:
    """Record in the working copy (before it is published) the project every incremental model was built with."""
    con = duckdb.connect(str(copy))
    try:
        con.sql("create schema if not exists meta")
        con.sql(f"create or replace table {BUILT_TABLE} (project_hash varchar not null, built_at timestamp not null)")
        con.sql(f"insert into {BUILT_TABLE} values (?, now()::timestamp)", params=[digest])
    finally:
        con.close()
