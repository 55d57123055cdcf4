"""Shared fixtures: small exports from the synthetic generator, loaded and built warehouses.

Plain helpers (copy_export, fingerprint, query, ...) are in the package tests/helpers: `from tests.helpers import ...`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import BASE_SCALE, copy_export
from tests.helpers.shared import (
    BUILT,
    REPORT_YEAR,
    build_warehouse,
    made_once,
    marker,
    shared_root,
    start_building,
    worker,
    worker_copy,
)


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


@pytest.fixture(scope="session")
def loaded_db(base_export, tmp_path_factory) -> Path:
    """A warehouse holding the base export, loaded once; each test works on its own copy (`db`)."""
    from warehouse.load import load_export  # pyarrow: imported by the workers that load

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
    """A published warehouse (loaded and built) over three years at scale 0.01, with its export beside it
    (`built_warehouse.parent / "export"`).

    Built once for the whole run, whichever xdist worker asks first (tests/helpers/shared.py; under xdist worker
    gw0 starts it in the background as the session begins); each worker gets its own copy of the folder. Shared
    by the report, release and dashboard tests of the worker: treat it as read-only (copy it to change it).
    """
    shared = made_once(shared_root(tmp_path_factory), BUILT, build_warehouse)
    return worker_copy(shared, tmp_path_factory.getbasetemp() / "built") / "warehouse.duckdb"


@pytest.fixture(scope="session")
def built_annual_report(built_warehouse, tmp_path_factory) -> dict[str, Path]:
    """The annual Data Report of `built_warehouse` for REPORT_YEAR (reports.api.annual_report, default memory cap):
    {"pdf", "xlsx", "csv_dir"}. Rendered once for the whole run whichever worker asks first (a >20-page PDF took
    each of three test files a render of its own); read it, never change it."""
    from reports.api import annual_report

    def make(folder: Path) -> None:
        paths = annual_report(built_warehouse, REPORT_YEAR, folder / "report")
        (folder / "paths.json").write_text(json.dumps({k: str(v.relative_to(folder)) for k, v in paths.items()}))

    folder = made_once(shared_root(tmp_path_factory), f"annual-report-{REPORT_YEAR}", make)
    return {k: folder / v for k, v in json.loads((folder / "paths.json").read_text()).items()}


_background: list = []


def pytest_collection_finish(session) -> None:
    """Under xdist, worker gw0 starts the shared build at once when any collected test uses the built warehouse."""
    if worker() != "gw0" or not any("built_warehouse" in getattr(i, "fixturenames", ()) for i in session.items):
        return
    root = shared_root(session.config._tmp_path_factory)
    if not marker(root / BUILT):
        _background.append(start_building(root))


def pytest_sessionfinish(session, exitstatus) -> None:
    for process in _background:  # a test of the other worker may still wait for it: let it finish
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            process.terminate()
        process.wait()
