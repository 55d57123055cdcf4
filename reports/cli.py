"""`pars report`: the annual Data Report, review packets, MOC and REMS reports (PDF, Excel, CSV)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from warehouse.console import CommandError, memory_limit_option
from warehouse.options import file_option, folder_option

_DB = file_option("--db", "The published warehouse file.", required=True)
_OUT = folder_option("--out", "Folder to write the report files into (created).", required=True)
_YEAR = click.option("--year", required=True, type=int, help="Reporting year.")
_MEMORY = memory_limit_option("the whole command (with --all: shared equally by the workers)")


def _fail(exc: object) -> CommandError:
    return CommandError(str(exc).replace("\n", " "))


@contextmanager
def _all_or_nothing(out: Path) -> Iterator[Path]:
    """Write into a staging folder inside `out`, moved in only when every file is written; an OSError (a
    read-only folder, a full disk) exits 1 with one line and leaves nothing (warehouse/files.py)."""
    from warehouse.files import FileProblem, describe, staged_output

    try:
        with staged_output(out) as stage:
            yield stage
    except FileProblem as exc:
        raise _fail(f"{exc}; nothing was written") from None
    except OSError as exc:
        raise _fail(f"{describe(exc, 'cannot write the report into', within=out)}; nothing was written") from None


def _check_limit(memory_limit: str | None) -> None:
    """A bad --memory-limit (or $PARS_MEMORY_LIMIT) stops the command before it opens or writes anything."""
    from warehouse.resources import MemoryLimitError
    from warehouse.resources import memory_limit as checked

    try:
        checked(memory_limit)
    except MemoryLimitError as exc:
        raise _fail(f"{exc}; nothing was written") from None


def _check_year(db: Path, year: int, memory_limit: str | None) -> None:
    from .data import Warehouse

    with Warehouse(db, memory_limit) as w:
        years = w.years()
    if year not in years:
        click.echo(
            f"warning: the warehouse has no data for {year} (years: {', '.join(map(str, years)) or 'none'}); "
            "the report shows 'No data' sections",
            err=True,
        )


def _written(paths: dict) -> None:
    from warehouse.text import printable

    for kind, path in paths.items():
        click.echo(f"  {kind:<8} {printable(path)}")


@click.group("report")
def report() -> None:
    """Reports from the marts: annual Data Report, review packets, MOC and REMS (PDF/UA, Excel, CSV)."""


def _yearly(render, db: Path, year: int, out: Path, memory_limit: str | None, announce: str | None = None) -> None:
    """The annual, MOC and REMS commands: check the year, render, list the files; a ReportError exits 1."""
    from warehouse.files import moved
    from warehouse.paths import UnsafePath

    from .api import ReportError

    _check_limit(memory_limit)
    try:
        _check_year(db, year, memory_limit)
        if announce:
            click.echo(f"[report] {announce}", err=True)
        with _all_or_nothing(out) as stage:
            paths = render(db, year, stage, memory_limit)
        _written({kind: moved(path, stage, out) for kind, path in paths.items()})
    except (ReportError, UnsafePath) as exc:
        raise _fail(exc) from None


def _year_command(name: str, render: str, doc: str, announce: str | None = None) -> None:
    """`pars report <name> --year --db --out`: `reports.api.<render>` through `_yearly` (doc: the command's help)."""

    @report.command(name, help=doc)
    @_YEAR
    @_DB
    @_OUT
    @_MEMORY
    def command(year: int, db: Path, out: Path, memory_limit: str | None) -> None:
        from . import api

        _yearly(getattr(api, render), db, year, out, memory_limit, announce.format(year=year) if announce else None)


_year_command(
    "annual",
    "annual_report",
    """The annual Data Report of YEAR: tagged PDF, an Excel workbook (one sheet per table) and CSVs.

    Example: pars report annual --year 2023 --db data/warehouse.duckdb --out reports-out
    """,
    announce="annual Data Report {year}",
)
_year_command(
    "moc",
    "moc_report",
    """MOC report of YEAR: board by board, and the providers that need follow-up.

    Example: pars report moc --year 2023 --db data/warehouse.duckdb --out reports-out
    """,
)
_year_command(
    "rems",
    "rems_report",
    """Opioid Analgesic REMS report of YEAR: the summary and activity list for the FDA submission.

    Example: pars report rems --year 2023 --db data/warehouse.duckdb --out reports-out
    """,
)


@report.command()
@click.option("--provider", "provider_id", help="Provider ID (ACCME provider number).")
@click.option("--all", "all_providers", is_flag=True, help="Every provider, in parallel processes.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Processes for --all.")
@_DB
@_OUT
@_MEMORY
def review(
    provider_id: str | None, all_providers: bool, workers: int, db: Path, out: Path, memory_limit: str | None
) -> None:
    """Review packets for reviewers: one provider (--provider ID) or every provider (--all).

    Example: pars report review --all --workers 2 --db data/warehouse.duckdb --out reports-out/review
    """
    from warehouse.console import progress_bar
    from warehouse.files import moved
    from warehouse.paths import UnsafePath
    from warehouse.text import printable

    from .api import ReportError, all_review_packets, review_packet

    if bool(provider_id) == all_providers:
        raise click.UsageError("give either --provider ID or --all")
    _check_limit(memory_limit)
    try:
        if provider_id:
            with _all_or_nothing(out) as stage:
                path = review_packet(db, provider_id, stage, memory_limit)
            click.echo(f"  pdf      {printable(moved(path, stage, out))}")
            return
        tty = sys.stderr.isatty()
        with progress_bar("review packets") as update:

            def progress(done: int, total: int) -> None:
                step = max(1, total // 20)
                if tty or done % step == 0 or done == total:
                    update(f"{done:,} of {total:,}", done / max(total, 1))

            with _all_or_nothing(out) as stage:
                paths = all_review_packets(db, stage, workers=workers, progress=progress, memory_limit=memory_limit)
        click.echo(f"wrote {len(paths):,} review packets to {printable(out)}")
    except (ReportError, UnsafePath) as exc:
        raise _fail(exc) from None
