"""`pars release PROFILE`: a research release from a built warehouse (see docs/releases.md)."""

from __future__ import annotations

from pathlib import Path

import click

from . import PROFILE_NAMES, ReleaseError, make_release


@click.command("release")
@click.argument("profile", type=click.Choice(PROFILE_NAMES))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=Path("data/warehouse.duckdb"),
              show_default=True, help="The published warehouse (read-only).")
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Release directory to create (must not exist or be empty).")
@click.option("--secret-file", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The release's pseudonym secret (64 hex characters), kept OUTSIDE the release; created with a "
                   "new random secret (mode 0600) when the file does not exist.")
@click.option("--dp", "dp_epsilon", type=float, default=None, metavar="EPSILON",
              help="tables profile: release the completion tables with differential privacy at this total epsilon "
                   "instead of cell suppression.")
@click.option("--profile-file", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Use this profile file instead of the shipped one (its SHA-256 goes into the manifest).")
def release(profile: str, db: Path, out: Path, secret_file: Path, dp_epsilon: float | None,
            profile_file: Path | None) -> None:
    """Make a research release: anonymized data, dictionary, risk report (JSON + PDF) and manifest.

    Profiles: activities (one row per counted activity, providers as pseudonyms, k=11 over providers),
    learners (one row per learner, k=11 over everything released), tables (public count tables with
    cell suppression audited by linear programs; --dp for differentially private completion tables).
    A release that cannot meet its guarantees writes nothing and exits with code 1.

    Example: pars release activities --db data/demo/warehouse.duckdb --out data/demo/releases/activities
    --secret-file data/demo/secrets/activities.key
    """
    try:
        manifest = make_release(profile, db, out, secret_file, dp_epsilon,
                                progress=lambda text: click.echo(f"[release] {text}", err=True),
                                profile_file=profile_file)
    except ReleaseError as exc:
        raise click.ClickException(f"{exc}\nnothing was written") from None
    except OSError as exc:  # a read-only or full output disk: one line (writer.write removed its staging folder)
        from warehouse.files import describe

        raise click.ClickException(f"{describe(exc, 'cannot write the release', within=out)}; nothing was written"
                                   ) from None
    if manifest["secret_created"]:
        click.echo(f"created a new release secret in {secret_file} (keep it; never publish it)", err=True)
    rows = ", ".join(f"{table} {count:,} rows" for table, count in manifest["row_counts"].items())
    click.echo(f"wrote {out}: {rows} ({manifest['seconds']:.1f} s)")
