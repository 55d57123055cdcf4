"""A second `pars build` of the shared built warehouse with the project unchanged, after a load of corrected
learner completions alone, made once per run.

Three test files check what such a build does: test_build_unchanged_project.py (it leaves the views and seeds
out), test_build_unit_test_gate.py (it skips dbt's unit tests) and test_build_untouched.py (it leaves out what reads
only sources the load did not write, and gives the tables of a full build). Each ran a build of its own copy of
the built warehouse for it (one dbt build, 13-16 s of CPU, each); the same build, run once with `made_once`
(tests/helpers/shared.py), serves them all.

The load between the two builds is the smallest that changes published figures: an incremental export a month
after the built one whose only rows are new versions of some learner completions (other credits), every other
file with its header alone (`completions_export`).

`unchanged_rebuild` is a session fixture defined here (tests/helpers is otherwise fixture-free): a test file
that uses it imports it by name, `from tests.helpers.rebuild import unchanged_rebuild  # noqa: F401`. It is read
only: copy `db` (or `loaded`) to change anything.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.dbtwork import borrowed
from tests.helpers.shared import made_once, shared_root

UNCHANGED_REBUILD = "unchanged_rebuild"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Rebuild:
    """What `pars build --db DB --report REPORT` printed and wrote on a copy of the built warehouse."""

    built: Path  # the built warehouse it copied (as it was before the load)
    loaded: Path  # the copy after the load, before the build
    export: Path  # what was loaded: corrected completions alone (completions_export)
    db: Path  # the rebuilt copy
    exit_code: int
    output: str
    report: dict  # the --report JSON (BuildResult.as_dict)
    target: Path  # dbt's target folder of that build: manifest.json, run_results.json

    def count(self, kind: str, status: str | None = None) -> int:
        """Nodes of a resource type (and status) the build ran, as BuildResult.count."""
        by_status = self.report["counts"].get(kind, {})
        return sum(by_status.values()) if status is None else by_status.get(status, 0)


#: Every this-many-th completion of the built export gets a new version (the export has tens of thousands).
EVERY = 400


def completions_export(export: Path, target: Path) -> Path:
    """An incremental export a month after `export` holding new versions of every EVERY-th learner completion
    (its credits plus one), every other file with its header alone."""
    target.mkdir(parents=True)
    for path in sorted(export.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            lines = fh.readlines()
        if path.stem != "learner_completions":
            (target / path.name).write_text(lines[0], encoding="utf-8")
            continue
        rows = list(csv.reader(lines))
        credits = rows[0].index("credits")
        changed = [row for row in rows[1::EVERY]]
        for row in changed:
            row[credits] = f"{float(row[credits]) + 1:.2f}"
        with (target / path.name).open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows([rows[0], *changed])
    manifest = json.loads((export / "manifest.json").read_text())
    before = datetime.fromisoformat(manifest["exported_at"].replace("Z", "+00:00"))
    later = (before + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest.pop("files", None)
    manifest.update(export_id=f"{later}-completions", exported_at=later, kind="incremental")
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def rebuild_unchanged(built: Path, folder: Path, work: Path | None = None) -> None:
    """Copy `built` into `folder`, load `completions_export` into it and run `pars build` on it, as a process of
    its own (`python -m warehouse`: the program's own exit, warehouse.cli.entry, is part of what is checked).

    With `work` (the worker's dbt folder, tests/helpers/dbtwork.py), the build runs at `work/w.duckdb`, where dbt
    parses only what changed since the worker's last build there, and the rebuilt file and dbt's target folder are
    then moved to `folder`."""
    from warehouse.build.runner import MANIFEST_STAMP
    from warehouse.build.workcopy import WorkPaths
    from warehouse.load import load_export

    db = folder / "w.duckdb"
    at = work / "w.duckdb" if work else db
    shutil.copyfile(built, at)
    load_export(completions_export(built.parent / "export", folder / "export"), at)
    shutil.copyfile(at, folder / "loaded.duckdb")
    # no manifest to keep, whatever the worker's earlier builds here left: dbt writes this build's own, which
    # the tests compare with this build's run_results.json (a kept manifest is tested in test_build_untouched.py;
    # one planted here from the built warehouse's folder named some data tests as the partial-parse state left
    # here by another project's build does not)
    for name in ("manifest.json", MANIFEST_STAMP):
        (WorkPaths(at).target / name).unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-m", "warehouse", "build", "--db", str(at), "--report", str(folder / "report.json")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run = {"exit_code": out.returncode, "output": out.stdout}
    (folder / "run.json").write_text(json.dumps(run))
    if work:
        shutil.move(at, db)
        shutil.copytree(WorkPaths(at).target, WorkPaths(db).target)
        shutil.copytree(WorkPaths(at).logs, WorkPaths(db).logs)


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
        loaded=folder / "loaded.duckdb",
        export=folder / "export",
        db=db,
        exit_code=run["exit_code"],
        output=run["output"],
        report=json.loads(report.read_text()) if report.is_file() else {"counts": {}},
        target=WorkPaths(db).target,
    )
