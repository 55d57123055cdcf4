"""`pars load`, `pars build`, `pars refresh` and `pars docs`: the commands on the warehouse."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_options import (
    _DB,
    _EXCLUDE,
    _EXPORT,
    _FULL_REFRESH,
    _LOAD_DB,
    _MEMORY,
    _PROJECT_DIR,
    _SELECT,
    _UNIT_TESTS,
    _load_options,
)
from .cli_runs import _run_build, _run_load, _write_report
from .console import CommandError, failed


@click.command()
@_EXPORT
@_LOAD_DB
@click.option(
    "--report",
    "report",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the per-file summary as JSON here.",
)
@_load_options
def load(
    export: Path,
    db: Path,
    report: Path | None,
    allow_deletions: str | None,
    memory_limit: str | None,
    max_field_size: str | None,
    max_record_size: str | None,
) -> None:
    """Validate an export and load it into the warehouse.

    Bad rows are quarantined (raw.quarantine) and the rest loads; a file-level problem, a file that changes
    during the load, a mismatch with the manifest's file hashes or row counts, or a full export that would
    soft-delete more than --allow-deletions allows stops the load and leaves the warehouse untouched
    (exit code 1). See docs/loading.md and docs/export-format.md.

    Example: pars load data/export --db data/warehouse.duckdb --report load.json
    """
    result = _run_load(export, db, memory_limit, max_field_size, max_record_size, allow_deletions)
    if report:
        _write_report(report, result.as_dict(), "the load is done")


@click.command()
@_DB
@_FULL_REFRESH
@_SELECT
@_EXCLUDE
@click.option(
    "--report",
    "report",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the result (counts, failures, timings) as JSON here.",
)
@_UNIT_TESTS
@_PROJECT_DIR
@_MEMORY
def build(
    db: Path,
    full_refresh: bool,
    select: str | None,
    exclude: str | None,
    report: Path | None,
    unit_tests: str,
    project_dir: Path | None,
    memory_limit: str | None,
) -> None:
    """Build the marts: dbt build (models, data tests, unit tests) on a copy, published only if all pass.

    A failed or killed build leaves the published warehouse exactly as it was (exit code 1 on failure);
    dashboards reading it are never blocked and see the new marts when they reopen it.

    Example: pars build --db data/warehouse.duckdb
    """
    result = _run_build(db, full_refresh, select, exclude, unit_tests, project_dir, memory_limit)
    if report:
        _write_report(report, result.as_dict(), "the build is done" if result.ok else "the build failed")
    if not result.ok:
        raise failed()


@click.command()
@_EXPORT
@_LOAD_DB
@click.option(
    "--report",
    "report",
    type=click.Path(path_type=Path, dir_okay=False),
    help='Also write both results as JSON here: {"load": ..., "build": ...} ("build" is null if none ran).',
)
@_load_options
@_FULL_REFRESH
@_SELECT
@_EXCLUDE
@_UNIT_TESTS
@_PROJECT_DIR
def refresh(
    export: Path,
    db: Path,
    report: Path | None,
    allow_deletions: str | None,
    memory_limit: str | None,
    max_field_size: str | None,
    max_record_size: str | None,
    full_refresh: bool,
    select: str | None,
    exclude: str | None,
    unit_tests: str,
    project_dir: Path | None,
) -> None:
    """Load an export, then build the marts, in one process: `pars load` then `pars build`, a few seconds sooner.

    dbt is imported in the background while the load validates and writes, instead of at the start of a second
    process. The options, messages and exit codes are those of the two commands; a refused load stops before
    the build (exit code 1, the warehouse unchanged), and --memory-limit caps both steps.

    Example: pars refresh data/export --db data/warehouse.duckdb
    """
    from .build.dbt_runner import warm_up

    warm_up()
    loaded = _run_load(export, db, memory_limit, max_field_size, max_record_size, allow_deletions)
    try:
        built = _run_build(db, full_refresh, select, exclude, unit_tests, project_dir, memory_limit)
    except CommandError:
        if report:
            _write_report(report, {"load": loaded.as_dict(), "build": None}, "the load is done, the build refused")
        raise
    if report:
        done = "the load and the build are done" if built.ok else "the build failed"
        _write_report(report, {"load": loaded.as_dict(), "build": built.as_dict()}, done)
    if not built.ok:
        raise failed()


@click.command()
@_DB
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to serve on.")
@click.option("--no-serve", is_flag=True, help="Only generate the docs and print where they are.")
def docs(db: Path, port: int, no_serve: bool) -> None:
    """Generate the dbt docs of the published warehouse and serve them on localhost (works offline).

    Example: pars docs --db data/warehouse.duckdb --port 8080
    """
    from .build import BuildError, generate_docs, serve

    try:
        folder = generate_docs(db, progress=lambda text: click.echo(f"[docs] {text}", err=True))
    except BuildError as exc:
        raise CommandError(exc) from None
    if no_serve:
        click.echo(f"docs: {folder / 'index.html'} (single file: {folder / 'static_index.html'})")
        return
    try:
        server = serve(folder, port)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on port {port}: {exc.strerror} (try --port)") from None
    click.echo(f"serving the docs on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
