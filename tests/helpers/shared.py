"""Things made once per test run and shared by every pytest-xdist worker (built warehouses, sets of releases).

pytest-xdist runs each worker as its own session, so a session fixture is made once per worker: the built
warehouse of tests/conftest.py cost one dbt build per worker. `made_once(root, name, make)` makes `root/name`
once for the whole run, under an exclusive file lock (fcntl.flock) in the run's shared temporary folder
(`shared_root`): the first worker to ask makes it while the others wait on the lock, then every worker finds it
made (pytest-xdist's documented recipe "Making session-scoped fixtures execute only once").

A made folder is shared: read it, never change it. A worker that changes things works on its own copy
(`worker_copy`): tests that write copy it again, as before.

The built warehouse is started early: when the run collected a test that uses it, worker gw0 starts
`python -m tests.helpers.shared ROOT` in the background as the session begins (`start_building`), so the build
overlaps the tests that need no warehouse instead of a worker waiting for it; the fixture then takes the lock as
usual (it waits for the background build, or builds itself if that failed).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: The marker of a finished folder: who made it, when, and a unique id (the same for every worker that uses it).
MARKER = ".made.json"


def worker() -> str:
    """This process's xdist worker id ("gw0", "gw1", ...), or "master" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def shared_root(tmp_path_factory) -> Path:
    """The run's temporary folder shared by all workers (each worker's own base folder is inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker() != "master" else base


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created if missing), held until the block ends; waits for other holders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def marker(folder: Path) -> dict:
    """The marker of a folder made by `made_once` (KeyError-free: {} when the folder was never finished)."""
    path = folder / MARKER
    return json.loads(path.read_text()) if path.is_file() else {}


def made_once(root: Path, name: str, make: Callable[[Path], None]) -> Path:
    """`root/name`, made by `make(folder)` once for the whole run whichever worker asks first.

    A folder left half made by a failed `make` (no marker) is removed and made again by the next worker to ask.
    """
    folder = root / name
    with locked(root / f"{name}.lock"):
        if not (folder / MARKER).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            started = time.time()
            make(folder)
            (folder / MARKER).write_text(
                json.dumps(
                    {
                        "id": uuid.uuid4().hex,
                        "worker": worker(),
                        "pid": os.getpid(),
                        "seconds": round(time.time() - started, 1),
                    }
                )
            )
    return folder


def worker_copy(folder: Path, target: Path) -> Path:
    """This worker's private copy of a shared folder (made once per worker; the marker is copied too)."""
    if not (target / MARKER).is_file():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


#: The repository (the background build runs there, as `python -m tests.helpers.shared`).
ROOT = Path(__file__).resolve().parents[2]
BUILT = "built_warehouse"
#: The year of the annual report of the built warehouse rendered once per run (tests/conftest.py).
REPORT_YEAR = 2022


#: Beside the built warehouse: what its `pars build` printed, and its raw layer's fingerprint before the build.
BUILD_OUTPUT, RAW_BEFORE_BUILD = "build-output.json", "raw-before-build.json"


def build_warehouse(root: Path) -> None:
    """The built warehouse of tests/conftest.py: three years at scale 0.01 (seed 3), loaded and built.

    By the commands, `pars load` then `pars build` (click's CliRunner, in this process): tests/test_build.py
    checks on it what a first build after a load publishes (its output, and the raw layer untouched), which cost
    that file a build of its own.
    """
    from click.testing import CliRunner

    from tests.helpers import fingerprint
    from warehouse.cli import main
    from warehouse.synth import generate

    generate(root / "export", scale=0.01, years=(2020, 2022), seed=3)
    db = root / "warehouse.duckdb"
    runner = CliRunner()
    load = runner.invoke(main, ["load", str(root / "export"), "--db", str(db)])
    assert load.exit_code == 0, load.output
    (root / RAW_BEFORE_BUILD).write_text(json.dumps(fingerprint(db)))
    out = runner.invoke(main, ["build", "--db", str(db)])
    (root / BUILD_OUTPUT).write_text(
        json.dumps({"db": str(db), "exit_code": out.exit_code, "stdout": out.stdout, "stderr": out.stderr})
    )
    assert out.exit_code == 0, out.output


def start_building(root: Path) -> subprocess.Popen:
    """The built warehouse made in the background (`made_once` under its lock); its output goes to a log file."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{BUILT}.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.shared", str(root)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


if __name__ == "__main__":
    made_once(Path(sys.argv[1]), BUILT, build_warehouse)
