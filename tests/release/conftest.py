"""Fixtures of the release tests: releases of the run's built warehouse made once for the whole run (whichever
xdist worker asks first; tests/helpers/shared.py) and shared by every release test file that only reads them.

- `attack_releases`: the shipped `activities` and `tables` releases (in that order, each with a new secret) of one
  copy of the built warehouse (`shipped_releases`, shared with the dashboard tests); the attack, profile,
  differencing and utility tests read them.
- `both_releases`: `attack_releases` as the two differencing attacks read them (test_attack_pseudonym_fit.py,
  test_attack_count_derivation.py).
- `releases`: the three profiles' releases (`attack_releases` and the utility tests' learners release); the
  release files and guarantees tests read them (test_release_files.py, test_release_guarantees.py).
- `k3_release`: the shipped activities profile at k=3 (on the 14 providers of the built warehouse k=11 leaves one
  provider class, k=3 several); the singling-out and cross-time attacks read it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.releases import K_SMALL, activities_profile_with_k, shipped_releases
from tests.helpers.shared import made_once, shared_root, worker_copy


@pytest.fixture(scope="session")
def attack_releases(built_warehouse, tmp_path_factory) -> dict:
    """`activities` and `tables` releases of a private copy of the built warehouse (`db`), each with a new secret
    (`root / "secrets" / "<profile>.key"`), made in the demo's order: activities, then tables, which the joint audit
    may refuse (`refused`: its message, else None; the differencing attack reads it).

    They are the run's shipped releases (`shipped_releases`, tests/helpers/releases.py: `pars release`, made once
    per run and read by the dashboard tests too). Each worker gets its own copy of the folder: a test that makes
    more releases of `db` (its register records them) changes that copy only.
    """
    shared = shipped_releases(built_warehouse, tmp_path_factory)
    root = worker_copy(shared, tmp_path_factory.getbasetemp() / "attack-releases")
    refused = root / "refused.txt"
    return {
        "db": root / "warehouse.duckdb",
        "root": root,
        "refused": refused.read_text() if refused.is_file() else None,
        **{p: root / "releases" / p for p in ("activities", "tables")},
    }


@pytest.fixture
def both_releases(attack_releases) -> dict:
    """The demo's order on a private copy of the built warehouse: activities, then tables (which may be refused):
    the run's shared `attack_releases`, made in that order."""
    return {
        "db": attack_releases["db"],
        "root": attack_releases["root"] / "releases",
        "secrets": attack_releases["root"] / "secrets",
        "refused": attack_releases["refused"],
    }


@pytest.fixture(scope="module")
def releases(attack_releases, built_warehouse, tmp_path_factory) -> dict[str, Path]:
    """The three profiles' releases of the built warehouse, each with a new secret (an existing secret file is reused
    only on request), made once per run and shared: activities and tables are `attack_releases` (one copy of the
    warehouse), learners the one `pars release learners` made for the utility tests."""
    from .utility_fixtures import utility_releases

    return {
        "activities": attack_releases["activities"],
        "tables": attack_releases["tables"],
        "learners": utility_releases(built_warehouse, tmp_path_factory)["learners"],
    }


@pytest.fixture(scope="session")
def k3_release(built_warehouse, tmp_path_factory) -> Path:
    """The activities release of the built warehouse (every year) with the shipped profile at k=3, made on a copy
    of its own; read it only."""
    from anonymize.release import make_release

    def make(root: Path) -> None:
        db = root / "warehouse.duckdb"
        shutil.copy(built_warehouse, db)
        profile = activities_profile_with_k(K_SMALL, root / "activities.yaml")
        make_release("activities", db, root / "release", root / "k3.key", profile_file=profile)

    return made_once(shared_root(tmp_path_factory), f"activities-k{K_SMALL}", make) / "release"
