"""The expensive session fixtures are made once per run and shared by the pytest-xdist workers (issue 15, item 5).

`make test` runs two workers; each is a session of its own, so a session fixture used to be made once per worker
(the built warehouse: one dbt build per worker). tests/helpers/shared.py makes such a folder once under a file
lock in the run's shared temporary folder, and each worker takes a private copy.

Old code: the built warehouse had no marker in a shared folder (each worker built its own), and there was no
`made_once` (ImportError).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers.shared import made_once, marker, shared_root, worker

ROOT = Path(__file__).resolve().parents[1]


def test_the_built_warehouse_is_the_copy_of_the_runs_one_build(built_warehouse, tmp_path_factory):
    shared = shared_root(tmp_path_factory) / "built_warehouse"
    made = marker(shared)
    assert made, f"the built warehouse was not made in the run's shared folder {shared}"
    assert marker(built_warehouse.parent) == made  # this worker's warehouse is a copy of that one build
    assert built_warehouse.parent != shared  # ... a private copy: a worker's releases and edits stay its own
    assert (built_warehouse.parent / "export" / "manifest.json").is_file()  # the export behind it comes along
    if worker() != "master":  # under xdist, worker gw0 started the build in the background as the run began
        assert (shared_root(tmp_path_factory) / "built_warehouse.log").is_file()


CONFTEST = """
import json, os, time
from pathlib import Path
import pytest
from tests.helpers.shared import made_once, shared_root

@pytest.fixture(scope="session")
def expensive(tmp_path_factory):
    def make(folder):
        with open(os.environ["COUNTER"], "a") as fh:
            fh.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
        time.sleep(1)  # long enough for the other worker to ask meanwhile
        (folder / "data.txt").write_text("made")
    return made_once(shared_root(tmp_path_factory), "expensive", make)
"""

TEST = """
import json, os
from pathlib import Path
from tests.helpers.shared import marker

def test_uses_it(expensive):
    assert (expensive / "data.txt").read_text() == "made"
    out = Path(os.environ["SEEN"]) / (os.environ["PYTEST_XDIST_WORKER"] + ".json")
    out.write_text(json.dumps({"folder": str(expensive), "id": marker(expensive)["id"]}))
"""


def test_two_workers_asking_at_once_share_one_making(tmp_path):
    """`pytest -n 2 --dist each`: both workers run the test and ask for the session fixture; it is made once."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (suite / "test_it.py").write_text(textwrap.dedent(TEST))
    seen, counter = tmp_path / "seen", tmp_path / "counter.txt"
    seen.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COUNTER": str(counter), "SEEN": str(seen)}
    env.pop("PYTEST_XDIST_WORKER", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # xdist only: a quicker start
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "xdist", "-p", "no:cacheprovider", "-n", "2", "--dist", "each"],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    records = {path.stem: json.loads(path.read_text()) for path in seen.iterdir()}
    assert set(records) == {"gw0", "gw1"}, records  # both workers used it ...
    assert len({r["id"] for r in records.values()}) == 1, records  # ... the same making ...
    assert len({r["folder"] for r in records.values()}) == 1, records  # ... in one shared folder ...
    assert len(counter.read_text().splitlines()) == 1  # ... made once


def test_a_failed_making_is_made_again_by_the_next_to_ask(tmp_path):
    def broken(folder: Path) -> None:
        (folder / "half").write_text("half made")
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError, match="the build failed"):
        made_once(tmp_path, "thing", broken)
    assert marker(tmp_path / "thing") == {}  # not marked made: nobody uses it
    folder = made_once(tmp_path, "thing", lambda f: (f / "whole").write_text("ok"))
    assert sorted(p.name for p in folder.iterdir()) == [".made.json", "whole"]  # the half-made file is gone
    first = marker(folder)
    assert made_once(tmp_path, "thing", lambda f: pytest.fail("made twice")) == folder
    assert marker(folder) == first
