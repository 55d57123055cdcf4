"""Helpers of the release tests (the fixtures that make releases once per run: tests/release/conftest.py)."""

from __future__ import annotations

from pathlib import Path

#: the k of the small-k activities release (`k3_release`): on the 14 providers of the built warehouse k=11 leaves
#: one provider class, k=3 several, so an attack also meets classes that keep organization and accreditor type
K_SMALL = 3


def activities_profile_with_k(k: int, path: Path) -> Path:
    """The shipped activities profile with another k (its hierarchy paths made absolute), written to `path`."""
    from anonymize.release.profiles import PROFILES_DIR

    text = (PROFILES_DIR / "activities.yaml").read_text().replace("k: 11", f"k: {k}")
    path.write_text(text.replace("../hierarchies/", f"{PROFILES_DIR.parent / 'hierarchies'}/"))
    return path


#: the folder `shipped_releases` makes once per run (in the run's shared temporary folder)
SHIPPED = "shipped-releases"


def make_shipped_releases(built_warehouse: Path, root: Path) -> None:
    """`pars release activities` then `pars release tables` (click's CliRunner, shipped profiles, a new secret
    each) of a private copy of `built_warehouse` (`root/warehouse.duckdb`, whose register records them), into
    `root/releases/<profile>` with the secrets in `root/secrets/<profile>.key`. The demo's order: the tables
    release's joint audit may refuse it (then `root/refused.txt` holds the message and no tables folder exists)."""
    import shutil

    from click.testing import CliRunner

    from warehouse.cli import main

    db = root / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, db)
    for profile in ("activities", "tables"):
        result = CliRunner().invoke(
            main,
            [
                "release",
                profile,
                "--db",
                str(db),
                "--out",
                str(root / "releases" / profile),
                "--secret-file",
                str(root / "secrets" / f"{profile}.key"),
            ],
        )
        if profile == "tables" and result.exit_code == 1 and "refused by the joint audit" in result.output:
            (root / "refused.txt").write_text(result.output.removeprefix("Error: ").strip())
            continue
        assert result.exit_code == 0, result.output


def shipped_releases(built_warehouse: Path, tmp_path_factory) -> Path:
    """The shipped `activities` and `tables` releases of the built warehouse (`make_shipped_releases`), made once
    for the whole run whichever test file of whichever xdist worker asks first: the release tests' `attack_releases`
    (tests/release/conftest.py) and the dashboards' `dash_releases` read the same two releases (each file made its
    own before: two releases of ~4 s CPU each, made twice a run). Returns the folder; read it only (copy it to
    make more releases of its warehouse)."""
    from tests.helpers.shared import made_once, shared_root

    return made_once(shared_root(tmp_path_factory), SHIPPED, lambda root: make_shipped_releases(built_warehouse, root))


def release_content(profile_name: str, db: Path, years: list[int] | None = None, profile_file: Path | None = None):
    """The tables `make_release(profile_name, db, ..., years=years, profile_file=profile_file)` would publish,
    {table name: polars frame}, made by the profile's own code as the release makes them (anonymize/release/
    __init__.py `_read`: a read-only connection under the release's cap, a new secret) but written nowhere: for
    tests that read the released rows or cells only, not the release's files (its risk report PDF is about half of
    a release's cost)."""
    import dataclasses
    import secrets

    from anonymize.release import BUILDERS
    from anonymize.release.profiles import load_profile
    from warehouse import resources

    profile = load_profile(profile_name, profile_file)
    if years:
        profile = dataclasses.replace(profile, raw={**profile.raw, "years": sorted(set(years))})
    with resources.read_only(db, None, parts=2) as con:
        return BUILDERS[profile_name](con, profile, secrets.token_bytes(32)).tables


def tables_content(db: Path, years: list[int] | None = None) -> dict:
    """The cells a `make_release("tables", db, ..., years=years)` would publish (`release_content`)."""
    return release_content("tables", db, years)
