"""`pars anonymize`: k-anonymize any table under a policy (registered in warehouse/cli.py's LazyGroup)."""

from __future__ import annotations

from pathlib import Path

import click

from warehouse.console import CommandError


@click.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Table to anonymize: CSV or Parquet.",
)
@click.option(
    "--policy",
    "policy",
    required=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Anonymization policy (YAML, see docs/anonymization-policy.md).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Output folder (created; must not exist or be empty).",
)
@click.option("--no-local-recoding", is_flag=True, help="Release the global optimum only, even if the policy asks.")
def anonymize(input_path: Path, policy: Path, out: Path, no_local_recoding: bool) -> None:
    """Anonymize a table: optimal generalization under k, l and a suppression limit.

    Writes anonymized.parquet, anonymized.csv, risk_report.json and policy.yaml; a policy that
    cannot be met writes nothing (exit code 1).

    Example: pars anonymize --input adult.csv --policy anonymize/examples/adult_k11.yaml --out out/adult_k11
    """
    from anonymize.engine import run

    try:
        report = run(input_path, policy, out, local_recoding=False if no_local_recoding else None)
    except ValueError as exc:
        raise CommandError(f"{exc}; nothing was written") from None
    risk, quality = report["risk"], report["quality"]
    click.echo(f"levels {report['levels']}")
    click.echo(
        f"k={risk['k']}  suppressed {risk['suppressed_records']:,} of {risk['records']:,}  "
        f"granularity quality {quality['granularity']:.4f}  ({report['seconds']:.2f} s)"
    )
    click.echo(f"wrote {out}")
