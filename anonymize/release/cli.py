"""`pars release PROFILE` (a research release) and `pars release list` (the register); see docs/releases.md."""

from __future__ import annotations

import json
from pathlib import Path

import click

from warehouse.console import memory_limit_option

from . import PROFILE_NAMES, ReleaseError, make_release
from .register import RegisterError, listing
from .utility import summary

LIST = "list"


def _years(value: str | None) -> list[int] | None:
    """`2021`, `2020-2022` or `2020,2022` -> the years; None for every year."""
    if not value:
        return None
    years: set[int] = set()
    try:
        for part in value.split(","):
            first, _, last = part.strip().partition("-")
            low, high = int(first), int(last or first)
            if low > high:
                raise ValueError
            years |= set(range(low, high + 1))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a year, a range like 2020-2022 or a list like 2020,2022", param_hint="--years"
        ) from None
    return sorted(years)


def _show_register(db: Path, as_json: bool) -> None:
    rows = listing(db)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"no release is registered with {db}")
        return
    for r in rows:
        years = ",".join(map(str, r["years"])) or "-"
        click.echo(
            f"{r['released_at']}  {r['release_id']}  {r['profile']:<10}  years {years:<14}  "
            f"key {r['key_id']} ({r['secret']})  policy {r['policy_sha256']}  {r['files']} files  "
            f"{r['output_path']}"
        )


@click.command("release")
@click.argument("profile", type=click.Choice([*PROFILE_NAMES, LIST]))
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("data/warehouse.duckdb"),
    show_default=True,
    help="The published warehouse (read-only; its release register sits beside it).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Release directory to create (must not exist or be empty). Required for a profile.",
)
@click.option(
    "--secret-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where the release's new pseudonym secret (64 hex characters, mode 0600) is written, OUTSIDE "
    "the release; it must not exist yet, unless --reuse-secret. Required for a profile.",
)
@click.option(
    "--reuse-secret",
    is_flag=True,
    help="Reuse the existing --secret-file (pseudonyms then equal those of earlier releases made with "
    "it): the release is audited jointly with them and refused if any learner or provider falls "
    "below k over everything combined.",
)
@click.option(
    "--years",
    "years_text",
    default=None,
    metavar="YEARS",
    help="Release only these reporting years: 2021, 2020-2022 or 2020,2022 (default: every year).",
)
@click.option(
    "--dp",
    "dp_epsilon",
    type=float,
    default=None,
    metavar="EPSILON",
    help="tables profile: release the completion tables with differential privacy at this total epsilon "
    "instead of cell suppression.",
)
@click.option(
    "--profile-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Use this profile file instead of the shipped one (its SHA-256 goes into the manifest).",
)
@memory_limit_option("reading the warehouse")
@click.option("--json", "as_json", is_flag=True, help="list: print the register as JSON.")
def release(
    profile: str,
    db: Path,
    out: Path | None,
    secret_file: Path | None,
    reuse_secret: bool,
    years_text: str | None,
    dp_epsilon: float | None,
    profile_file: Path | None,
    memory_limit: str | None,
    as_json: bool,
) -> None:
    """Make a research release: anonymized data, dictionary, risk report (JSON + PDF) and manifest.

    Profiles: activities (one row per counted activity, providers as pseudonyms, k=11 over providers),
    learners (one row per learner, k=11 over everything released), tables (public count tables with
    cell suppression audited by linear programs; --dp for differentially private completion tables).
    Every release gets a new secret and is recorded in the warehouse's release register; it is audited jointly
    with every registered release first. A release that cannot meet its guarantees writes nothing and exits 1.

    Example: pars release activities --db data/demo/warehouse.duckdb --out data/demo/releases/activities
    --secret-file data/demo/secrets/activities.key

    `pars release list --db data/demo/warehouse.duckdb` shows the register.
    """
    if profile == LIST:
        try:
            _show_register(db, as_json)
        except RegisterError as exc:
            raise click.ClickException(str(exc)) from None
        return
    for value, name in ((out, "--out"), (secret_file, "--secret-file")):
        if value is None:
            raise click.UsageError(f"Missing option '{name}' (required to make a {profile} release).")
    years = _years(years_text)
    try:
        manifest = make_release(
            profile,
            db,
            out,
            secret_file,
            dp_epsilon,
            progress=lambda text: click.echo(f"[release] {text}", err=True),
            profile_file=profile_file,
            reuse_secret=reuse_secret,
            years=years,
            memory_limit=memory_limit,
        )
    except ReleaseError as exc:
        raise click.ClickException(f"{exc}; nothing was written") from None
    except OSError as exc:  # a read-only or full output disk: one line (writer.write removed its staging folder)
        from warehouse.files import describe

        raise click.ClickException(
            f"{describe(exc, 'cannot write the release', within=out)}; nothing was written"
        ) from None
    if manifest["secret_created"]:
        click.echo(f"created a new release secret in {secret_file} (keep it; never publish it)", err=True)
    rows = ", ".join(f"{table} {count:,} rows" for table, count in manifest["row_counts"].items())
    click.echo(f"wrote {out}: {rows} ({manifest['seconds']:.1f} s); registered as {manifest['release_id']}")
    for line in summary(manifest.get("utility") or {}):
        click.echo(line)
