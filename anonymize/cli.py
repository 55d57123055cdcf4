"""`pars anonymize`: k-anonymize any table under a policy (registered in warehouse/cli.py's LazyGroup)."""

from __future__ import annotations

from pathlib import Path

import click

from warehouse.console import CommandError
from warehouse.options import file_option, folder_option


@click.command()
@file_option("--input", "Table to anonymize: CSV or Parquet.", dest="input_path", required=True, exists=True)
@file_option("--policy", "Anonymization policy (YAML, see docs/anonymization-policy.md).", required=True, exists=True)
@folder_option("--out", "Output folder (created; must not exist or be empty).", required=True)
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
