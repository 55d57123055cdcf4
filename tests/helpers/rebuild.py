"""A second `pars build` of the shared built warehouse with the project unchanged, made once per run.

Two test files check what such a build does: test_build_replay.py (it leaves the views and seeds out but runs
every data test, and the marts stay the same) and test_build_unit_test_gate.py (it skips only dbt's unit tests).
Each ran a build of its own copy of the built warehouse for it (one dbt build, 13-16 s of CPU, each); the same
build, run once with `made_once` (tests/helpers/shared.py), serves both.

`unchanged_rebuild` is a session fixture defined here (tests/helpers is otherwise fixture-free): a test file
that uses it imports it by name, `from tests.helpers.rebuild import unchanged_rebuild  # noqa: F401`. It is read
only: copy `db` to change anything.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.dbtwork import borrowed
from tests.helpers.shared import made_once, shared_root

UNCHANGED_REBUILD = "unchanged_rebuild"


@dataclass(frozen=True)
class Rebuild:
    """What `pars build --db DB --report REPORT` printed and wrote on a copy of the built warehouse."""

    built: Path  # the built warehouse it copied (as it was before the build)
    db: Path  # the rebuilt copy
    exit_code: int
    output: str
    report: dict  # the --report JSON (BuildResult.as_dict)
    target: Path  # dbt's target folder of that build: manifest.json, run_results.json

    def count(self, kind: str, status: str | None = None) -> int:
        """Nodes of a resource type (and status) the build ran, as BuildResult.count."""
        by_status = self.report["counts"].get(kind, {})
        return sum(by_status.values()) if status is None else by_status.get(status, 0)


def rebuild_unchanged(built: Path, folder: Path, work: Path | None = None) -> None:
    """Copy `built` into `folder` and run `pars build` on it (click's CliRunner: one process, dbt in-process).

    With `work` (the worker's dbt folder, tests/helpers/dbtwork.py), the build runs at `work/w.duckdb`, where dbt
    parses only what changed since the worker's last build there, and the rebuilt file and dbt's target folder are
    then moved to `folder`."""
    from click.testing import CliRunner

    from warehouse.build.workcopy import WorkPaths
    from warehouse.cli import main

    db = folder / "w.duckdb"
    at = work / "w.duckdb" if work else db
    shutil.copyfile(built, at)
    out = CliRunner().invoke(main, ["build", "--db", str(at), "--report", str(folder / "report.json")])
    (folder / "run.json").write_text(json.dumps({"exit_code": out.exit_code, "output": out.output}))
    if work:
        shutil.move(at, db)
        shutil.copytree(WorkPaths(at).target, WorkPaths(db).target)


@pytest.fixture(scope="session")
def unchanged_rebuild(built_warehouse, tmp_path_factory) -> Rebuild:
    from warehouse.build.workcopy import WorkPaths

    def make(folder: Path) -> None:
        with borrowed(tmp_path_factory, UNCHANGED_REBUILD) as work:
            rebuild_unchanged(built_warehouse, folder, work)

    folder = made_once(shared_root(tmp_path_factory), UNCHANGED_REBUILD, make)
    run = json.loads((folder / "run.json").read_text())
    report = folder / "report.json"
    db = folder / "w.duckdb"
    return Rebuild(
        built=built_warehouse,
        db=db,
        exit_code=run["exit_code"],
        output=run["output"],
        report=json.loads(report.read_text()) if report.is_file() else {"counts": {}},
        target=WorkPaths(db).target,
    )
