"""Fixtures of the release tests: one set of releases for the attack tests that only read them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anonymize.release import make_release


@pytest.fixture(scope="session")
def attack_releases(built_warehouse, tmp_path_factory) -> dict[str, Path]:
    """`activities` and `tables` releases of a private copy of the built warehouse (`db`), each with a new secret."""
    root = tmp_path_factory.mktemp("attack-releases")
    db = root / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    made: dict[str, Path] = {"db": db}
    for profile in ("activities", "tables"):
        make_release(profile, db, root / "releases" / profile, root / "secrets" / f"{profile}.key")
        made[profile] = root / "releases" / profile
    return made
