"""`pars`: one command line for the whole pipeline (synth → load → build → release → report → serve).

Each command is a few lines calling the library; `python -m warehouse` works too.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from pathlib import Path

import click

from .console import CommandError, build_progress, failed, print_build_summary, print_load_summary, progress_bar


def _years(value: str) -> tuple[int, int]:
    try:
        first, _, last = value.partition("-")
        span = (int(first), int(last or first))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a year or a range like 2019-2024") from None
    if span[0] > span[1]:
        raise click.BadParameter(f"{value!r}: the first year is after the last")
    return span


class LazyGroup(click.Group):
    """Commands of other packages are imported only when used (their imports cost ~2 s per start otherwise)."""

    LAZY = {
        "anonymize": "anonymize.cli:anonymize",
        "release": "anonymize.release.cli:release",
        "report": "reports.cli:report",
        "serve": "dashboards.cli:serve",
        "users": "dashboards.cli:users",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            import importlib

            module, attribute = self.LAZY[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pars-analytics", prog_name="pars")
def main() -> None:
    """PARS Analytics: the warehouse and reporting suite for ACCME PARS data."""


def entry() -> None:
    """The `pars` program (and `python -m warehouse`): `main`, then the exit.

    After a command that ran dbt, the interpreter's own teardown frees dbt's parsed project object by object
    (about 0.6 s of a build that takes 15). By then the work is done and closed (the warehouse published, its
    working copy and spill folder removed), so the process runs its exit handlers (logging's flush among
    them), flushes its output and ends without that teardown. Anything else exits the usual way.
    """
    code: object = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    if "dbt.cli.main" not in sys.modules or any(
        t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()
    ):
        sys.exit(code)
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # what a normal exit runs first: logging.shutdown, temporary folders' finalizers
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone (`pars build | head -1`) or a closed stream: nothing to keep
            pass
    os._exit(code or 0)


@main.command()
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Export directory to write.")
@click.option(
    "--scale",
    default=0.01,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="1.0 = one national reporting year at 2022 volume (~1,620 providers, ~230,000 activities).",
)
@click.option("--years", default="2022", show_default=True, help="Reporting year or range, e.g. 2019-2024.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed: same seed, same files.")
@click.option(
    "--defects",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 0.5),
    help="Share of rows per file written to break a rule (with expected.json).",
)
def synth(out: Path, scale: float, years: str, seed: int, defects: float) -> None:
    """Generate a synthetic PARS export (spec pars-export-v1).

    Example: pars synth --scale 0.01 --years 2021-2023 --seed 1 --out data/export
    """
    from .synth import generate

    span = _years(years)
    with progress_bar("generating") as update:
        try:
            summary = generate(out, scale=scale, years=span, seed=seed, defects=defects, progress=update)
        except ValueError as exc:
            raise CommandError(exc) from None
    rows = summary.get("rows", {})
    click.echo(f"wrote {out} ({sum(rows.values()):,} rows in {len(rows)} files, {summary.get('seconds', 0):.1f} s)")
    for name, n in rows.items():
        click.echo(f"  {name:<36} {n:>12,}")


_MEMORY = click.option(
    "--memory-limit",
    "memory_limit",
    metavar="SIZE",
    help="DuckDB's memory cap, e.g. 2GB or 4GiB; the rest spills to a folder beside the warehouse "
    "[default: $PARS_MEMORY_LIMIT, else 2GB].",
)


_EXPORT = click.argument("export", type=click.Path(path_type=Path, exists=True, file_okay=False))
_LOAD_DB = click.option(
    "--db",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Warehouse DuckDB file (created if missing).",
)
_LOAD_OPTIONS = [
    click.option(
        "--allow-deletions",
        "allow_deletions",
        metavar="N%|N",
        help="How many live records of its years one file of a full export may soft-delete: a share (30%) or "
        "a count (500) [default: 2%]. More stops the load: a cut or empty file looks like a deletion.",
    ),
    _MEMORY,
    click.option(
        "--max-field-size",
        "max_field_size",
        metavar="SIZE",
        help="Quarantine a value longer than this (rule field_size) [default: 16MB].",
    ),
    click.option(
        "--max-record-size",
        "max_record_size",
        metavar="SIZE",
        help="Quarantine a record longer than this, never reading it whole (rule record_size) [default: 32MB].",
    ),
]


def _load_options(command):
    """The options of a load (`pars load`, `pars refresh`) apart from --db and --report, in this order."""
    for option in reversed(_LOAD_OPTIONS):
        command = option(command)
    return command


@main.command()
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


def _run_load(
    export: Path,
    db: Path,
    memory_limit: str | None,
    max_field_size: str | None,
    max_record_size: str | None,
    allow_deletions: str | None,
):
    """The load of `pars load` and `pars refresh`: progress, the one-line refusal (exit 1), the summary."""
    from .load import LoadError, load_export

    try:
        with progress_bar("loading") as update:
            result = load_export(
                export,
                db,
                progress=lambda text, done, total: update(text, done / total),
                memory_limit=memory_limit,
                max_field_size=max_field_size,
                max_record_size=max_record_size,
                allow_deletions=allow_deletions,
            )
    except LoadError as exc:
        raise _refused(exc) from None
    except Exception as exc:  # a read-only folder, a full disk, a planted symlink: one line, not a traceback
        raise _refused(_disk_problem(exc, "cannot write the warehouse")) from None
    print_load_summary(result)
    return result


def _refused(problem: Exception) -> CommandError:
    """The one line of a refused or failed load or build (the warehouse is as it was), and exit code 1."""
    return CommandError(f"{problem}; the warehouse was not changed")


def _disk_problem(exc: Exception, doing: str) -> Exception:
    """An operating-system failure (also as DuckDB reports it) in one line; anything else is re-raised."""
    import duckdb

    from .files import FileProblem, cause, describe

    if isinstance(exc, FileProblem):
        return exc
    if isinstance(exc, OSError) or (isinstance(exc, duckdb.Error) and cause(exc)):
        return FileProblem(describe(exc, doing))
    raise exc


def _write_report(report: Path, content: dict, done: str) -> None:
    from .files import describe

    try:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(content, indent=2) + "\n")
    except OSError as exc:
        raise CommandError(f"{done}, but {describe(exc, 'cannot write the report', report)}") from None


_DB = click.option(
    "--db", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The published warehouse file."
)


_FULL_REFRESH = click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from scratch.")
_SELECT = click.option("--select", "select", metavar="SPEC", help="Build only these nodes (dbt's --select syntax).")
_EXCLUDE = click.option("--exclude", "exclude", metavar="SPEC", help="Leave these nodes out (dbt's --exclude syntax).")
_UNIT_TESTS = click.option(
    "--unit-tests",
    type=click.Choice(["auto", "always"]),
    default="auto",
    show_default=True,
    help="auto: run dbt's unit tests only when the project changed since they last passed here.",
)
_PROJECT_DIR = click.option(
    "--project-dir", type=click.Path(path_type=Path, file_okay=False), hidden=True, help="Another dbt project (tests)."
)


@main.command()
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


def _run_build(
    db: Path,
    full_refresh: bool,
    select: str | None,
    exclude: str | None,
    unit_tests: str,
    project_dir: Path | None,
    memory_limit: str | None,
):
    """The build of `pars build` and `pars refresh`: progress, the one-line refusal (exit 1), the summary."""
    from .build import BuildError
    from .build import build as run_build

    try:
        result = run_build(
            db,
            full_refresh=full_refresh,
            select=select,
            exclude=exclude,
            progress=build_progress,
            project_dir=project_dir,
            unit_tests=unit_tests,
            memory_limit=memory_limit,
        )
    except BuildError as exc:
        raise _refused(exc) from None
    print_build_summary(result)
    return result


@main.command()
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


@main.command()
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


@main.command("split-months")
@click.argument("export", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the month-YYYY-MM exports (created; must be empty).",
)
def split_months_command(export: Path, out: Path) -> None:
    """Split a full export into monthly incremental exports that add up to it.

    Each record goes to the month it would reach PARS (activities when they start, closed later as a new
    version; completions when reported ...). Loading the months in order gives the live state of loading
    the full export: for incremental-build benchmarks and replay tests.

    Example: pars split-months data/export --out data/months
    """
    from .synth.months import split_months_counted

    try:
        months = split_months_counted(export, out)
    except ValueError as exc:
        raise CommandError(exc) from None
    for folder, rows in months:
        click.echo(f"  {folder.name}  {sum(rows.values()):>10,} rows  ({rows['activities']:,} activity versions)")
    click.echo(f"wrote {len(months)} monthly exports to {out}")


if __name__ == "__main__":
    main()
