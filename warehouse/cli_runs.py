"""The load and the build as the commands run them: progress, summaries, one-line refusals and --report files."""

from __future__ import annotations

import json
from pathlib import Path

from .console import CommandError, build_progress, print_build_summary, print_load_summary, progress_bar


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
    except KeyboardInterrupt:  # the load stops whole (warehouse/load/loader.py: one transaction)
        raise _refused(Exception("interrupted (Ctrl-C): nothing was loaded")) from None
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
