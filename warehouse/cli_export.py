"""`pars synth` and `pars split-months`: the commands that write exports (a synthetic one, one cut into months)."""

from __future__ import annotations

from pathlib import Path

import click

from .console import CommandError, progress_bar


def _years(value: str) -> tuple[int, int]:
    try:
        first, _, last = value.partition("-")
        span = (int(first), int(last or first))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a year or a range like 2019-2024") from None
    if span[0] > span[1]:
        raise click.BadParameter(f"{value!r}: the first year is after the last")
    return span


@click.command()
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


@click.command("split-months")
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
