"""Fixtures of the release tests: one set of releases for the attack tests that only read them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anonymize.release import make_release
from tests.helpers.shared import made_once, shared_root, worker_copy


@pytest.fixture(scope="session")
def attack_releases(built_warehouse, tmp_path_factory) -> dict[str, Path]:
    """`activities` and `tables` releases of a private copy of the built warehouse (`db`), each with a new secret.

    Made once for the whole run, whichever xdist worker asks first (tests/helpers/shared.py); each worker gets its
    own copy of the folder (the attack tests make more releases of `db`, which its register records).
    """

    def make(root: Path) -> None:
        shutil.copy(built_warehouse, root / "warehouse.duckdb")
        for profile in ("activities", "tables"):
            make_release(
                profile, root / "warehouse.duckdb", root / "releases" / profile, root / "secrets" / f"{profile}.key"
            )

    shared = made_once(shared_root(tmp_path_factory), "attack-releases", make)
    root = worker_copy(shared, tmp_path_factory.getbasetemp() / "attack-releases")
    return {"db": root / "warehouse.duckdb", **{p: root / "releases" / p for p in ("activities", "tables")}}
