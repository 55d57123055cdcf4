"""`pars`: one command line for the whole pipeline (synth → load → build → release → report → serve).

Each command is a few lines calling the library; `python -m warehouse` works too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .console import print_load_summary, progress_bar


def _years(value: str) -> tuple[int, int]:
    try:
        first, _, last = value.partition("-")
        span = (int(first), int(last or first))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a year or a range like 2019-2024") from None
    if span[0] > span[1]:
        raise click.BadParameter(f"{value!r}: the first year is after the last")
    return span


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pars-analytics", prog_name="pars")
def main() -> None:
    """PARS Analytics: the warehouse and reporting suite for ACCME PARS data."""


@main.command()
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="Export directory to write."
)
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
            raise click.ClickException(str(exc)) from None
    rows = summary.get("rows", {})
    click.echo(
        f"wrote {out} ({sum(rows.values()):,} rows in {len(rows)} files, {summary.get('seconds', 0):.1f} s)"
    )
    for name, n in rows.items():
        click.echo(f"  {name:<36} {n:>12,}")


@main.command()
@click.argument("export", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--db",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Warehouse DuckDB file (created if missing).",
)
@click.option(
    "--report",
    "report",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the per-file summary as JSON here.",
)
def load(export: Path, db: Path, report: Path | None) -> None:
    """Validate an export and load it into the warehouse.

    Bad rows are quarantined (raw.quarantine) and the rest loads; a file-level problem stops the load
    and leaves the warehouse untouched (exit code 1).

    Example: pars load data/export --db data/warehouse.duckdb --report load.json
    """
    from .load import LoadError, load_export

    try:
        with progress_bar("loading") as update:
            result = load_export(export, db, progress=lambda text, done, total: update(text, done / total))
    except LoadError as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("the warehouse was not changed", err=True)
        sys.exit(1)
    print_load_summary(result)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(result.as_dict(), indent=2) + "\n")


if __name__ == "__main__":
    main()
