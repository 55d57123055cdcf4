"""Terminal output of the CLI: progress bars on long work and readable summaries."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

_err = Console(stderr=True)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, float], None]]:
    """Yield update(text, fraction): a bar on a terminal, plain step lines otherwise (logs, CI, tests)."""
    if not sys.stderr.isatty():
        last = [""]

        def log(text: str, fraction: float) -> None:
            if text != last[0]:
                print(f"[{label}] {text}", file=sys.stderr, flush=True)
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
            bar.update(task, description=f"{label}: {text}", completed=min(max(fraction, 0.0), 1.0))

        yield update


def print_load_summary(result) -> None:
    """The per-file table of a load: read = loaded + quarantined + duplicates."""
    if result.status == "already_loaded":
        click.echo(f"export {result.export_id} was already loaded (load {result.load_id}): nothing changed")
        return
    table = Table(title=f"load {result.load_id}: {result.export_id} ({result.kind}, {result.seconds:.1f} s)")
    for col in ("file", "read", "loaded", "quarantined", "duplicates", "new versions", "deleted"):
        table.add_column(col, justify="left" if col == "file" else "right")
    totals = [0] * 6
    for name, s in result.files.items():
        q = sum(s.quarantined.values())
        values = [s.read, s.loaded, q, s.duplicates, s.new_versions, s.deleted]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        table.add_row(name, *(f"{v:,}" for v in values))
    table.add_row("total", *(f"{v:,}" for v in totals), style="bold")
    Console(width=120).print(table)
    rules: dict[str, int] = {}
    for s in result.files.values():
        for rule, n in s.quarantined.items():
            rules[rule] = rules.get(rule, 0) + n
    if rules:
        click.echo("quarantined by rule: " + ", ".join(f"{r} {n:,}" for r, n in sorted(rules.items())))
        click.echo("see raw.quarantine for file, line, column and raw value of each row")
    neutralized = sum(s.neutralized for s in result.files.values())
    if neutralized:
        click.echo(f"{neutralized:,} formula-like text value(s) stored as inert text (prefixed with ')")
