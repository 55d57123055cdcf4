"""`pars build`: dbt on a copy, published atomically; failures reported with rows; kill -9 safe; locking."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.helpers import fingerprint, query
from tests.helpers.dbtwork import dbt_work  # noqa: F401  (the shared fixture)
from tests.helpers.loadchecks import pars_until
from tests.helpers.shared import BUILD_OUTPUT, RAW_BEFORE_BUILD
from warehouse.build import BuildError, build, serve
from warehouse.cli import main
from warehouse.load import LoadError, load_export
from warehouse.locking import exclusive

ROOT = Path(__file__).resolve().parents[1]
FAILING_TEST = "assert_no_provider_is_listed"
#: dbt's --exclude for a build of the models alone
MODELS_ONLY = "resource_type:test resource_type:unit_test"


@pytest.fixture(scope="module")
def loaded(base_export, tmp_path_factory) -> Path:
    """A warehouse with the base export loaded and never built; copy it before use."""
    db = tmp_path_factory.mktemp("loaded") / "w.duckdb"
    load_export(base_export, db)
    return db


@pytest.fixture(scope="module")
def work(dbt_work) -> Path:  # noqa: F811
    """One folder and warehouse path for the tests below: dbt's partial-parse state beside it is reused (the
    worker's dbt folder, tests/helpers/dbtwork.py: shared with the other build test files the worker runs)."""
    return dbt_work


@pytest.fixture
def db(loaded, work) -> Path:
    """A fresh copy of the loaded warehouse, at the same path each time."""
    for path in work.glob("w.duckdb*"):
        if path.name != "w.duckdb.dbt":
            path.unlink()
    shutil.copyfile(loaded, work / "w.duckdb")
    return work / "w.duckdb"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if ".building" in p.name)


def raw_only(prints: dict) -> dict:
    return {name: value for name, value in prints.items() if name.startswith("raw.")}


def test_load_then_build_publishes_every_model(built_warehouse):
    """The shared built warehouse is `pars load` then `pars build` of its export (tests/helpers/shared.py), the
    first build of the file: what it printed and published, and its raw layer before and after the build."""
    db = built_warehouse
    made = built_warehouse.parent
    out = json.loads((made / BUILD_OUTPUT).read_text())
    assert out["exit_code"] == 0, out["stdout"] + out["stderr"]
    assert f"published {out['db']}" in out["stdout"] + out["stderr"]
    assert "[build] 1/" in out["stderr"]  # one progress line per dbt node
    raw_before = json.loads((made / RAW_BEFORE_BUILD).read_text())
    assert raw_only(fingerprint(db)) == {k: tuple(v) for k, v in raw_before.items()}  # the raw layer is intact
    assert raw_before and leftovers(db) == []
    manifest = json.loads((db.parent / "warehouse.duckdb.dbt/target/manifest.json").read_text())
    models = {
        (n["schema"], n["alias"])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"
    }
    relations = set(query(db, "select table_schema, table_name from information_schema.tables"))
    assert {(s, t) for s, t in models if s == "staging"} >= {
        ("staging", "stg_pars__activities"),
        ("staging", "stg_pars__learner_completions"),
    }
    assert models <= relations, f"models missing from the published file: {sorted(models - relations)}"
    live = query(db, "select count(*) from raw.activities where not _is_deleted")[0][0]
    assert query(db, "select count(*) from staging.stg_pars__activities") == [(live,)]


@pytest.fixture(scope="module")
def failing_project(tmp_path_factory) -> Path:
    """A copy of the repo's dbt project with a singular test that fails on every provider and a broken model."""
    project = tmp_path_factory.mktemp("project")
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(ROOT / name, project / name)
    for folder in ("models", "macros", "seeds", "snapshots", "data-tests"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, project / folder)
    (project / "data-tests" / f"{FAILING_TEST}.sql").write_text(
        "select provider_id, provider_name from {{ ref('stg_pars__providers') }}\n"
    )
    (project / "models" / "staging" / "stg_pars__broken.sql").write_text("select no_such_column from range(3)\n")
    return project


def test_a_failing_test_is_named_with_its_rows_and_nothing_is_published(db, failing_project, tmp_path):
    """One `pars build` (in this process): what it prints, and build()'s result as --report writes it
    (BuildResult.as_dict; the failing rows as text)."""
    before = sha256(db)
    args = ["build", "--db", str(db), "--project-dir", str(failing_project), "--select", f"+{FAILING_TEST}"]
    out = CliRunner().invoke(main, [*args, "--report", str(tmp_path / "build.json")])
    assert out.exit_code == 1
    result = json.loads((tmp_path / "build.json").read_text())
    assert not result["ok"] and not result["published"]
    assert [f["name"] for f in result["failures"]] == [FAILING_TEST]
    failure = result["failures"][0]
    providers = query(db, "select count(*) from raw.providers")[0][0]
    assert failure["status"] == "fail" and failure["failures"] == providers
    assert failure["columns"] == ["provider_id", "provider_name"]
    assert 0 < len(failure["rows"]) <= 10
    assert {r[0] for r in failure["rows"]} <= {r[0] for r in query(db, "select provider_id from raw.providers")}
    assert sha256(db) == before
    assert leftovers(db) == []
    assert f"FAIL: test {FAILING_TEST}" in out.output
    assert "failing rows" in out.output and failure["rows"][0][0] in out.output
    assert "was not changed" in out.output


def test_a_broken_model_fails_the_build_with_its_error(db, failing_project):
    before = sha256(db)
    result = build(db, project_dir=failing_project, select="stg_pars__broken")
    assert not result.ok
    assert [(f.resource_type, f.name, f.status) for f in result.failures] == [("model", "stg_pars__broken", "error")]
    assert "no_such_column" in result.failures[0].message
    assert sha256(db) == before and leftovers(db) == []


@pytest.mark.parametrize("moment", ["copying", "node"])
def test_kill_9_during_a_build_leaves_the_warehouse_unchanged(db, base_export, moment):
    before, digest = fingerprint(db), sha256(db)
    proc, seen = pars_until(
        ["build", "--db", str(db)], "[build] copying" if moment == "copying" else "[build] 2/", ROOT
    )
    if moment == "node":  # a load meanwhile is refused, naming the build that holds the warehouse
        with pytest.raises(LoadError, match=rf"busy: a build \(pid {proc.pid}"):
            load_export(base_export, db)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the build finished before the kill: {seen[-3:]}"
    assert sha256(db) == digest and fingerprint(db) == before
    result = build(db, select="staging")  # the next build cleans up after the killed one and publishes
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert leftovers(db) == []
    assert raw_only(fingerprint(db)) == raw_only(before)


READER = """
import duckdb, sys
db = sys.argv[1]
con = duckdb.connect(db, read_only=True)
for line in sys.stdin:
    if line.strip() == "reopen":
        con.close()
        con = duckdb.connect(db, read_only=True)
    n = con.sql("select count(*) from information_schema.tables where table_schema = 'staging'").fetchall()[0][0]
    print(n, flush=True)
"""


def test_a_reader_does_not_block_a_build_and_sees_it_after_reopening(db):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    def ask(command: str = "count") -> int:
        reader.stdin.write(command + "\n")
        reader.stdin.flush()
        return int(reader.stdout.readline())

    try:
        assert ask() == 0  # loaded, never built: no staging views yet
        result = build(db, select="staging")
        assert result.ok, (result.error, [f.as_dict() for f in result.failures])
        assert ask() == 0  # still reading the file it opened
        assert ask("reopen") > 0
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)


def test_load_and_build_lock_each_other_out(db, base_export):
    with exclusive(db, "build"):
        with pytest.raises(LoadError, match="busy: a build") as info:
            load_export(base_export, db)
        assert info.value.rule == "locked"
    with exclusive(db, "load"):
        with pytest.raises(BuildError, match="busy: a load"):
            build(db)
    assert leftovers(db) == []


def test_a_build_refuses_while_another_process_writes_the_warehouse(db):
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(BuildError, match="open for writing"):
            build(db)
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
    assert leftovers(db) == []


def test_stale_copies_of_dead_builds_are_removed(db):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = db.with_name(f"w.duckdb.building-{int(dead.stdout)}")
    shutil.copyfile(db, stale)
    stale.with_name(stale.name + ".wal").write_bytes(b"junk")
    os.symlink(stale.name, db.with_name("w.duckdb.building"))
    result = build(db, select="stg_pars__providers")
    assert result.ok
    assert leftovers(db) == []


def test_docs_are_generated_from_a_copy(db):
    assert build(db, select="stg_pars__providers").ok
    before = sha256(db)
    out = CliRunner().invoke(main, ["docs", "--db", str(db), "--no-serve"])
    assert out.exit_code == 0, out.output
    docs = db.parent / "w.duckdb.dbt" / "docs"
    assert (docs / "index.html").is_file() and (docs / "static_index.html").is_file()
    catalog = json.loads((docs / "catalog.json").read_text())
    assert "model.pars.stg_pars__providers" in catalog["nodes"]
    assert sha256(db) == before
    assert not list((db.parent / "w.duckdb.dbt" / "docs-db").iterdir())  # the copy is gone
    server = serve(docs, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        local = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        with local.open(f"{url}/catalog.json", timeout=10) as response:
            assert "stg_pars__providers" in response.read().decode()
    finally:
        server.shutdown()
        server.server_close()


def test_a_build_without_a_warehouse_says_so(tmp_path):
    out = CliRunner().invoke(main, ["build", "--db", str(tmp_path / "none.duckdb")])
    assert out.exit_code == 1
    assert "there is no warehouse" in out.output
    assert not (tmp_path / "none.duckdb").exists()
    # the program itself (warehouse.cli.entry, which ends a process that imported dbt without the teardown)
    # keeps the status and the message: dbt's import has started in the background by then
    proc = subprocess.run(
        [sys.executable, "-m", "warehouse", "build", "--db", str(tmp_path / "none.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "there is no warehouse" in proc.stderr, (proc.returncode, proc.stderr[-500:])


def test_wal_left_by_a_dead_writer_is_applied_before_the_copy(db):
    script = (
        f"import duckdb, os; c = duckdb.connect({str(db)!r}); "
        "c.sql(\"insert into raw.load_history select * replace (load_id + 100 as load_id, export_id || '-x' "
        'as export_id) from raw.load_history"); os._exit(0)'
    )  # exits without checkpointing
    subprocess.run([sys.executable, "-c", script], check=True)
    assert db.with_name("w.duckdb.wal").exists()
    result = build(db, select="stg_pars__providers")
    assert result.ok
    assert not db.with_name("w.duckdb.wal").exists()
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.sql("select count(*) from raw.load_history").fetchall() == [(2,)]
    finally:
        con.close()


def test_the_environment_is_compiled_to_bytecode():
    """Every `pars` process imports dbt (and the suppressed cells scipy): from source, without bytecode, that is
    about 4 s of CPU more per process (PYTHONDONTWRITEBYTECODE keeps Python from writing it on first use), so
    the install compiles it (pyproject.toml: [tool.uv] compile-bytecode)."""
    import importlib.util

    import dbt.cli.main
    import polars
    import scipy.sparse

    for module in (dbt.cli.main, polars, scipy.sparse):
        assert Path(importlib.util.cache_from_source(module.__file__)).is_file(), module.__name__
