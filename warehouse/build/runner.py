"""`pars build`: run the dbt project on a copy of the warehouse and publish the copy only if all passed.

Steps, all under the warehouse lock: remove stale copies; check that no process writes the published
file; copy it; `dbt build` (models, data tests, unit tests) on the copy; on success checkpoint, fsync and
rename the copy over the published file; on any failure report what failed (with failing rows) and
delete the copy. The published file is never written, so a failed or killed build leaves it as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from .. import resources
from ..files import FileProblem, cause, created_no_wider_than, describe, make_folder
from ..locking import WarehouseBusy, exclusive
from . import check_scope, project_state, sources, workcopy
from .dbt_runner import ROOT, dbt_args, invoke, warm_up
from .results import BuildResult, add_failing_rows, tally
from .workcopy import BuildError, WorkPaths

#: progress(text, done, total): one call per step (total 0) and per finished dbt node.
Progress = Callable[[str, int, int], None]


def build(
    db: Path | str,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    progress: Progress | None = None,
    project_dir: Path | None = None,
    exclude: str | None = None,
    threads: int = 2,
    unit_tests: str = "auto",
    memory_limit: str | None = None,
) -> BuildResult:
    """Build the dbt project into a new copy of `db` and swap it in when every node passed.

    `select`/`exclude` take dbt's selection syntax; `project_dir` is another dbt project (tests). Two dbt
    threads build about a fifth faster than one here (DuckDB runs each query on all cores anyway).
    `unit_tests`: "auto" runs dbt's unit tests only when the project changed since they last all passed on
    this warehouse (project_state.py: they never read warehouse data), "always" runs them every time.
    `memory_limit` caps the build's memory (warehouse/resources.py: default 2GB or $PARS_MEMORY_LIMIT): DuckDB
    gets the cap less a reserve for dbt's own process (`resources.build_share`); what does not fit spills to
    `<db>.spill`, removed afterwards.
    Raises BuildError when the build cannot start (no warehouse, another load or build holds it, a
    writer has it open, a symlink planted at one of the names beside it, a read-only folder or a full
    disk: one line, and nothing left behind); a build that ran and failed returns a result with `ok` false
    and the failures.
    """
    started = time.perf_counter()
    paths = WorkPaths(Path(db).resolve())
    if unit_tests not in ("auto", "always"):
        raise ValueError(f"unit_tests must be 'auto' or 'always', not {unit_tests!r}")
    try:
        duckdb_settings = resources.settings(paths.db, memory_limit)
        duckdb_settings["memory_limit"] = resources.build_share(duckdb_settings["memory_limit"])
    except resources.MemoryLimitError as exc:
        raise BuildError(str(exc)) from None
    result = BuildResult(
        paths.db,
        ok=False,
        published=False,
        counts={},
        failures=[],
        seconds=0.0,
        full_refresh=full_refresh,
        select=select,
        exclude=exclude,
    )
    # dbt's import (about 1.7 s of a month's build) runs meanwhile: the checks, the hash of the project, the
    # copy of the warehouse (seconds at a decade, in the kernel, without Python's lock)
    warm_up()
    try:
        with exclusive(paths.db, "build"), resources.spilling(paths.db), created_no_wider_than(paths.db):
            _locked_build(
                paths,
                project_dir or ROOT,
                threads,
                progress or _quiet,
                result,
                always_unit_tests=unit_tests == "always",
                duckdb_settings=duckdb_settings,
            )
    except (WarehouseBusy, FileProblem) as exc:
        raise BuildError(str(exc)) from None
    except OSError as exc:  # a read-only folder or a full disk outside the steps that say so themselves
        raise BuildError(describe(exc, "cannot write")) from None
    except duckdb.Error as exc:
        if cause(exc) is None:
            raise
        raise BuildError(describe(exc, "cannot write")) from None
    finally:
        result.seconds = time.perf_counter() - started
    return result


def _quiet(_text: str, _done: int, _total: int) -> None:
    pass


#: What a build of an unchanged project leaves out (--exclude): the views and seeds it would only recreate as
#: they are. A view stores its SQL, not rows (DuckDB binds it to the tables by name when it is read, so the
#: tables rebuilt under it are what it shows); a seed's rows come from the project's CSV files. So do the tables
#: and data tests that read only seeds (tag seeds_only: the dimension tables of the seeds and the seeds' checks):
#: the last whole build of this project made and checked the same rows (tests/test_build_unchanged_project.py keeps
#: the tag on exactly the nodes whose upstream is seeds alone), when every data test passed on this project
#: (SEEDS_ONLY).
UNCHANGED = "config.materialized:view resource_type:seed"
SEEDS_ONLY = "tag:seeds_only"


#: Built by every build of a built warehouse whose project is unchanged, a --select one too: the reporting years
#: each load touched, an incremental table that the year-partitioned models read to find what to rebuild (a
#: selected model would otherwise miss the years of the loads since the table's last build, and then never rebuild
#: them: its own watermark moves on). A --select build of a changed project (or a first one) rebuilds what it
#: selects in full and makes the next whole build a full one, so it needs no years (and the views the table's
#: hooks read may not exist yet).
ALWAYS_BUILT = "stg_pars__report_year_changes"

#: The tables, incremental by load, that keep what each load changed: selected by every build that leaves out
#: what reads only sources no load wrote (sources.py), so that they keep up with every load (a reader that runs
#: finds its loads there instead of searching the raw versions again).
CHANGE_LOGS = ("stg_pars__report_year_changes", "stg_pars__completion_changes", "stg_pars__activity_changes")


#: dbt writes neither manifest.json nor run_results.json (a build of an unchanged project: see _command).
NO_MANIFEST = "--no-write-json"
#: Beside dbt's target/manifest.json: the hash of the project (project_state.project_hash) it was written from.
MANIFEST_STAMP = "manifest.project"


def _manifest_is_of(target: Path, digest: str) -> bool:
    """Whether target/manifest.json was written from the project `digest` (a build that skips writing it keeps
    it only then: the folder may hold the manifest of another project's build, a failed one included)."""
    try:
        return (target / "manifest.json").is_file() and (target / MANIFEST_STAMP).read_text() == digest
    except OSError:
        return False


def _command(
    result: BuildResult,
    skip_unit_tests: bool,
    full_refresh: bool = False,
    skip_unchanged: bool = False,
    skip_seeds_only: bool = False,
    written: list[sources.Source] | None = None,
    keep_manifest: bool = False,
) -> list[str]:
    select = f"{result.select} {ALWAYS_BUILT}" if result.select and not full_refresh else result.select
    if written is not None and not result.select:
        # what descends from the sources loads wrote, and the change logs: the rest would rebuild the same rows
        select = " ".join([s.selector for s in written] + list(CHANGE_LOGS))
    exclude = " ".join(
        x
        for x in (
            result.exclude,
            "resource_type:unit_test" if skip_unit_tests else None,
            UNCHANGED if skip_unchanged else None,
            SEEDS_ONLY if skip_unchanged and skip_seeds_only else None,
        )
        if x
    )
    return [
        "build",
        *(["--full-refresh"] if result.full_refresh or full_refresh else []),
        *(["--select", select] if select else []),
        *(["--exclude", exclude] if exclude else []),
        # the data tests of the views left out still run: exclude those nodes alone, not their tests (the checks
        # of the seeds and of what reads only seeds are tagged seeds_only themselves)
        *(["--indirect-selection", "empty"] if skip_unchanged else []),
        # the project is unchanged and target/manifest.json was written from it (2 MB of JSON, written twice per
        # run: 0.4-0.8 s measured): it would say what it says already; _run_dbt writes run_results.json itself
        *([NO_MANIFEST] if skip_unchanged and keep_manifest else []),
    ]


def _locked_build(
    paths: WorkPaths,
    project_dir: Path,
    threads: int,
    report: Progress,
    result: BuildResult,
    always_unit_tests: bool,
    duckdb_settings: dict[str, str],
) -> None:
    workcopy.remove_stale(paths)
    workcopy.check_no_writer(paths.db)
    workcopy.apply_wal(paths.db)
    digest = project_state.project_hash(project_dir)
    result.unit_tests_skipped = (
        not always_unit_tests and not result.full_refresh and project_state.passed_hash(paths.db) == digest
    )
    # Incremental models (macros/incremental) rebuild only what loads touched since their last build; a project
    # that changed since they were built (or a warehouse never built) rebuilds them all.
    built_with = project_state.models_hash(project_dir, digest)
    rebuild_all = project_state.built_hash(paths.db) != built_with
    if rebuild_all and not result.full_refresh:
        report("full rebuild: the project changed since the last build, or this warehouse was never built", 0, 0)
    # An unchanged project (every model last ran with it) has its views and seeds already as they would be
    # recreated; a build without --select or model exclusions leaves them out (UNCHANGED).
    # Not when the unit tests run: dbt runs a unit test only with its model, and all of them must run then.
    unchanged = (
        not rebuild_all and not result.full_refresh and not result.select and _only_tests_excluded(result.exclude)
    )
    runs_unit_tests = not result.unit_tests_skipped and "resource_type:unit_test" not in (result.exclude or "").split()
    result.unchanged_skipped = unchanged and not runs_unit_tests
    # The data checks of a whole incremental build read only what the loads since the last checked build can have
    # changed (check_scope.py); any other build checks every row.
    result.checks_since_load = check_scope.passed_through(paths.db) if unchanged else None
    # Of those, what reads only sources that no load wrote since then is left out too (sources.py).
    written = _written_sources(paths.db, project_dir, result)
    # What reads only seeds (SEEDS_ONLY) is left out when every data test of this project passed here (the last
    # whole build of a changed project that excluded them forgets the pass, below).
    command = _command(
        result,
        result.unit_tests_skipped,
        full_refresh=rebuild_all,
        skip_unchanged=result.unchanged_skipped,
        skip_seeds_only=result.checks_since_load is not None,
        written=written,
        keep_manifest=_manifest_is_of(paths.target, digest),
    )
    report(f"copying {paths.db.name}", 0, 0)
    copying = time.perf_counter()
    copy = workcopy.make_copy(paths)
    result.copy_seconds = time.perf_counter() - copying
    flush = workcopy.Flush(copy)
    try:
        check_scope.write_scope(copy, result.checks_since_load)
        make_folder(paths.state, paths.db)  # dbt's folder: never more open than the warehouse, a link refused
        _run_dbt(paths, project_dir, command, threads, report, result, duckdb_settings, digest)
        if result.error is None and not result.failures:
            if not result.select and not result.exclude and result.count("unit_test") > 0:
                project_state.remember_passed(copy, digest)  # every unit test ran and passed
            if not result.select and _only_tests_excluded(result.exclude):
                project_state.remember_built(copy, built_with)  # every model ran with this project
                if "resource_type:test" not in (result.exclude or "").split():
                    check_scope.remember_passed(copy)  # and every data test passed on every load
                elif rebuild_all:
                    check_scope.forget_passed(copy)  # the changed project's rows were not checked
            elif rebuild_all:
                # some models now come from another project than the recorded one: the next whole build is full
                project_state.remember_built(copy, f"partial build of {built_with}")
            report("publishing", 0, 0)
            publishing = time.perf_counter()
            try:
                workcopy.publish(paths, copy, flush)
                result.ok = result.published = True
            except (BuildError, OSError) as exc:
                result.error = f"publishing failed, the warehouse was not changed: {exc}"
            result.publish_seconds = time.perf_counter() - publishing
        else:
            add_failing_rows(copy, result.failures)
    finally:
        flush.wait()  # no thread outlives the build (a refused build's copy is discarded after it)
        if not result.published:
            workcopy.discard(paths, copy)


def _written_sources(db: Path, project_dir: Path, result: BuildResult) -> list[sources.Source] | None:
    """The sources that loads wrote since every data test last passed, when a whole build of an unchanged project
    can leave out the rest (result.untouched_sources names them); None: the build selects nothing on this.

    Not when the unit tests run (`--unit-tests always`, or the project changed since they last all passed): dbt
    runs a unit test only with its model, and all of them must run then (project_state records their pass)."""
    if result.checks_since_load is None or not result.unchanged_skipped:
        return None
    declared = sources.project_sources(project_dir)
    if not declared:
        return None
    written = sources.written_since(db, result.checks_since_load, declared)
    untouched = [s for s in declared if s not in written]
    if not untouched:
        return None
    result.untouched_sources = sorted(f"{s.source}.{s.name}" for s in untouched)
    return written


def _only_tests_excluded(exclude: str | None) -> bool:
    """Whether `exclude` (dbt's selection syntax) leaves every model, seed and snapshot in the build."""
    return all(part in ("resource_type:test", "resource_type:unit_test") for part in (exclude or "").split())


def _run_dbt(
    paths: WorkPaths,
    project_dir: Path,
    command: list[str],
    threads: int,
    report: Progress,
    result: BuildResult,
    duckdb_settings: dict[str, str],
    digest: str,
) -> None:
    def on_node(done: int, total: int, kind: str, name: str, status: str, seconds: float) -> None:
        report(f"{kind} {name}: {status} ({seconds:.2f} s)", done, total)

    report("dbt: starting and parsing the project", 0, 0)
    keeps_manifest = NO_MANIFEST in command
    manifest, stamp = paths.target / "manifest.json", paths.target / MANIFEST_STAMP
    if not keeps_manifest:
        stamp.unlink(missing_ok=True)  # dbt may write the manifest (or stop before it does)
    written_before = manifest.stat().st_mtime_ns if manifest.is_file() else None
    args = dbt_args(command, project_dir, paths.target, paths.logs, threads)
    run = invoke(args, paths.link, project_dir, on_node, duckdb_settings)
    result.dbt_seconds, result.startup_seconds = run.seconds, run.startup_seconds
    result.counts, result.failures = tally(run.result)
    if keeps_manifest:
        if hasattr(run.result, "write"):
            run.result.write(str(paths.target / "run_results.json"))  # dbt was told to write neither file
    elif manifest.is_file() and manifest.stat().st_mtime_ns != written_before:
        stamp.write_text(digest)
    if run.exception is not None:
        result.error = f"dbt stopped: {run.exception}"
    elif not run.success and not result.failures:
        skipped = sum(by.get("skipped", 0) for by in result.counts.values())
        result.error = f"dbt reported a failure ({skipped} node(s) skipped); see {paths.logs / 'dbt.log'}"


__all__ = ["BuildError", "BuildResult", "build"]
