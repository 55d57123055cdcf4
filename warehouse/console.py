"""Terminal output of the CLI: progress bars on long work and readable summaries.

Text from data (export ids, failing rows, dbt messages) is shown through `warehouse.text.printable`: an escape
sequence or other control character in the data is printed escaped (\\x1b), never sent to the terminal, and table
cells are rich `Text`, never parsed as rich markup.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from warehouse.text import printable

_err = Console(stderr=True)


class CommandError(click.ClickException):
    """The one error style of every `pars` command (click's): `Error: <message>` on stderr and exit code 1.

    Text from data in the message is made printable (escape sequences shown escaped, never sent to the terminal).
    """

    def __init__(self, message: object) -> None:
        super().__init__(printable(str(message)))


def failed() -> click.exceptions.Exit:
    """Exit code 1 after a failure whose details were already printed (a build's failing tests, say)."""
    return click.exceptions.Exit(1)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, float], None]]:
    """Yield update(text, fraction): a bar on a terminal, plain step lines otherwise (logs, CI, tests)."""
    if not sys.stderr.isatty():
        last = [""]

        def log(text: str, fraction: float) -> None:
            if text != last[0]:
                print(printable(f"[{label}] {text}"), file=sys.stderr, flush=True)
                last[0] = text

        yield log
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=1.0)

        def update(text: str, fraction: float) -> None:
            bar.update(task, description=escape(printable(f"{label}: {text}")), completed=min(max(fraction, 0.0), 1.0))

        yield update


def print_load_summary(result) -> None:
    """The per-file table of a load: read = loaded + quarantined + duplicates."""
    if result.status == "already_loaded":
        click.echo(f"export {printable(result.export_id)} was already loaded (load {result.load_id}): nothing changed")
        return
    table = Table(
        title=Text(
            f"load {result.load_id}: {printable(result.export_id)} ({printable(result.kind)}, {result.seconds:.1f} s)"
        )
    )
    for col in ("file", "read", "loaded", "quarantined", "duplicates", "new versions", "deleted"):
        table.add_column(col, justify="left" if col == "file" else "right")
    totals = [0] * 6
    for name, s in result.files.items():
        q = sum(s.quarantined.values())
        values = [s.read, s.loaded, q, s.duplicates, s.new_versions, s.deleted]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        table.add_row(Text(printable(name)), *(f"{v:,}" for v in values))
    table.add_row("total", *(f"{v:,}" for v in totals), style="bold")
    Console(width=120).print(table)
    rules: dict[str, int] = {}
    for s in result.files.values():
        for rule, n in s.quarantined.items():
            rules[rule] = rules.get(rule, 0) + n
    if rules:
        click.echo("quarantined by rule: " + ", ".join(f"{printable(r)} {n:,}" for r, n in sorted(rules.items())))
        click.echo("see raw.quarantine for file, line, column and raw value of each row")
    for name, s in result.files.items():
        if s.deletions_withheld:
            click.echo(
                f"{printable(name)}: {s.deletions_withheld:,} record(s) this full export no longer holds were NOT "
                "deleted: a quarantined row's key could not be read, so it may be any of them; fix the row and "
                "load the export again under a new export_id"
            )
    neutralized = sum(s.neutralized for s in result.files.values())
    if neutralized:
        click.echo(f"{neutralized:,} formula-like text value(s) stored as inert text (prefixed with ')")


_lines = threading.Lock()


def build_progress(text: str, done: int, total: int) -> None:
    """One stderr line per build step and per finished dbt node (flushed: tests and logs follow it).

    dbt reports nodes from its worker threads: each line is written whole, under a lock.
    """
    prefix = f"{done}/{total} " if total else ""
    with _lines:
        sys.stderr.write(f"[build] {prefix}{text}\n")
        sys.stderr.flush()


def print_build_summary(result) -> None:
    """Counts per kind of dbt node, then each failure with its message and failing rows."""
    from warehouse.build.results import KINDS

    table = Table(title=Text(f"build of {printable(result.db.name)}: {'published' if result.published else 'FAILED'}"))
    columns = {
        "ok": ("success", "pass", "no-op", "partial success"),
        "warn": ("warn",),
        "failed": ("error", "fail", "runtime error"),
        "skipped": ("skipped",),
    }
    table.add_column("kind")
    for column in columns:
        table.add_column(column, justify="right")
    for kind in sorted(result.counts, key=lambda k: list(KINDS).index(k) if k in KINDS else len(KINDS)):
        by_status = result.counts[kind]
        cells = [sum(by_status.get(s, 0) for s in statuses) for statuses in columns.values()]
        table.add_row(Text(printable(KINDS.get(kind, kind))), *(f"{n:,}" if n else "" for n in cells))
    console = Console(width=120)
    if result.counts:
        console.print(table)
    for failure in result.failures:
        click.echo(printable(f"\n{failure.status.upper()}: {failure.resource_type} {failure.name} ({failure.path})"))
        click.echo("  " + printable(failure.message).replace("\n", "\n  "))
        if failure.columns:
            rows = Table(title=f"failing rows (first {len(failure.rows)} of {failure.failures or '?'})")
            for col in failure.columns:
                rows.add_column(Text(printable(col)))
            for row in failure.rows:
                rows.add_row(*(Text("" if v is None else printable(v)) for v in row))
            console.print(rows)
    if result.error:
        click.echo(f"\nerror: {printable(result.error)}")
    if result.unchanged_skipped:
        # the tables and checks that read only seeds are left out too once every data test passed (build/runner.py)
        seeds_only = ", nor the tables and checks that read only seeds" if result.checks_since_load is not None else ""
        click.echo(
            f"views and seeds not recreated{seeds_only}: the project is unchanged since every model last ran on this "
            "warehouse"
        )
    if result.checks_since_load is not None:
        click.echo(
            f"data checks read the rows that loads after load {result.checks_since_load} can have changed: every "
            "data test passed on the rest in an earlier build"
        )
    if result.untouched_sources:
        click.echo(
            f"not rebuilt or checked: what reads only sources no load wrote since load {result.checks_since_load} "
            f"({', '.join(printable(s) for s in result.untouched_sources)})"
        )
    if result.unit_tests_skipped:
        click.echo(
            "unit tests not run: the project is unchanged since they last all passed on this warehouse "
            "(--unit-tests always runs them)"
        )
    timing = (
        f"{result.seconds:.1f} s (copy {result.copy_seconds:.1f} s, dbt {result.dbt_seconds:.1f} s of which "
        f"start-up {result.startup_seconds:.1f} s, publish {result.publish_seconds:.1f} s)"
    )
    if result.published:
        click.echo(f"published {printable(result.db)} in {timing}")
    else:
        click.echo(f"the build failed after {timing}; the published warehouse {printable(result.db)} was not changed")


def memory_limit_option(what: str = "the command"):
    """`--memory-limit SIZE` of the commands that read the warehouse in bulk (release, report): DuckDB's cap
    (warehouse/resources.py); a bad size exits 1 before any work, in the load's and build's words."""
    return click.option(
        "--memory-limit",
        "memory_limit",
        metavar="SIZE",
        help=f"DuckDB's memory cap for {what}, e.g. 2GB or 4GiB; what does not fit spills to a private "
        "temporary folder [default: $PARS_MEMORY_LIMIT, else 2GB].",
    )
