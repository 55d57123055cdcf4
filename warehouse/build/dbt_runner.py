"""Running dbt in this process (dbtRunner): arguments, environment, per-node events, and cleanup.

In-process saves dbt's import and start-up on every call after the first (about 2.5 s). `warm_up()` imports dbt
in a background thread while other work runs first (`pars refresh`: the load; every build: its checks and the
copy of the warehouse), so the build waits less for it. Two things need care because dbt keeps state between
invocations: the environment variables the profile reads (set for the call, then restored), and dbt-duckdb's
class-level DuckDB environment, which would keep the working copy open after the run (closed explicitly here,
so the copy can be checkpointed and swapped).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: (done, total, resource_type, name, status, seconds) of one finished dbt node.
NodeCallback = Callable[[int, int, str, str, str, float], None]


_warming: threading.Thread | None = None


def warm_up() -> None:
    """Start importing dbt (about 3 s of CPU, mostly Python) in a daemon thread; `invoke` waits for it.

    Only the import: parsing the project needs the build's environment (the warehouse path the profile reads).
    """
    global _warming
    if _warming is None and "dbt.cli.main" not in sys.modules:
        _warming = threading.Thread(target=_import_dbt, name="dbt-warm-up", daemon=True)
        _warming.start()


def _import_dbt() -> None:
    try:
        import dbt.adapters.duckdb  # noqa: F401  (the adapter plugin dbt loads at the first invocation)
        import dbt.cli.main  # noqa: F401
        import dbt.task.build  # noqa: F401
    except Exception:  # noqa: BLE001  the build imports dbt again and reports what is wrong
        pass


def _warmed() -> None:
    """Wait for a warm-up import still running (importing a module another thread is importing may deadlock)."""
    if _warming is not None:
        _warming.join()


@dataclass
class Invocation:
    """What one dbt call returned, with the timing the summary reports."""

    success: bool
    result: object | None  # RunExecutionResult / CatalogArtifact, or None when dbt stopped early
    exception: BaseException | None
    seconds: float
    startup_seconds: float  # from the call to the first node: import, parse, connection


def dbt_args(command: list[str], project_dir: Path, target: Path, logs: Path, threads: int = 1) -> list[str]:
    """dbt's arguments; `target` is kept between runs (partial_parse.msgpack makes start-up cheaper)."""
    return [
        *command,
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(logs),
        "--threads",
        str(threads),
        "--no-use-colors",
        "--log-level",
        "none",  # the caller prints progress from the events
        "--log-level-file",
        "info",  # dbt.log keeps what ran and why it failed (the SQL is in target/run)
    ]


@contextmanager
def _environment(db: Path, project_dir: Path, duckdb_settings: dict[str, str] | None) -> Iterator[None]:
    """PARS_DB, PARS_MEMORY_LIMIT, PARS_TEMP_DIRECTORY (read by profiles.yml) and DBT_PROFILES_DIR, for the
    call only."""
    wanted = {"PARS_DB": str(db), "DBT_PROFILES_DIR": str(project_dir)}
    if duckdb_settings:
        wanted["PARS_MEMORY_LIMIT"] = duckdb_settings["memory_limit"]
        wanted["PARS_TEMP_DIRECTORY"] = duckdb_settings["temp_directory"]
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def invoke(
    args: list[str],
    db: Path,
    project_dir: Path,
    on_node: NodeCallback | None = None,
    duckdb_settings: dict[str, str] | None = None,
) -> Invocation:
    """Run one dbt command against the DuckDB file `db`; never raises for a dbt failure."""
    started = time.perf_counter()
    _warmed()
    from dbt.cli.main import dbtRunner  # heavy import (about 2 s, counted as start-up): only when needed

    first_node: list[float] = []
    progress = {"done": 0, "total": 0}
    lock = threading.Lock()  # dbt fires events from its worker threads

    def on_event(event) -> None:
        name = event.info.name
        data = event.data
        with lock:
            if name in ("NodeStart", "LogHookStartLine") and not first_node:
                first_node.append(time.perf_counter())
            if name == "LogStartLine":
                progress["total"] = max(progress["total"], data.total)
            if name != "NodeFinished" or on_node is None:
                return
            progress["done"] += 1
            done, total = progress["done"], max(progress["total"], progress["done"])
            info = data.node_info
            seconds = data.run_result.execution_time if data.HasField("run_result") else 0.0
            on_node(done, total, info.resource_type, info.node_name, info.node_status, seconds)

    with _environment(db, project_dir, duckdb_settings):
        try:
            outcome = dbtRunner(callbacks=[on_event]).invoke(args)
        finally:
            close_adapter()
    seconds = time.perf_counter() - started
    startup = (first_node[0] - started) if first_node else seconds
    return Invocation(outcome.success, outcome.result, outcome.exception, seconds, startup)


def close_adapter() -> None:
    """Close dbt-duckdb's shared DuckDB environment (it outlives the invocation otherwise)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            env.close()
