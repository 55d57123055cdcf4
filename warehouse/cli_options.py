"""The options of `pars load`, `pars build`, `pars refresh` and `pars docs`, each declared once."""

from __future__ import annotations

from pathlib import Path

import click

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
