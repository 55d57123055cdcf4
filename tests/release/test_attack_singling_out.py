"""Providers are k^m-anonymous in the activities release (issue 13, items 2 and 9): an adversary who knows a
provider's directory entry (name -> state, organization type, accreditor) and 1 or 2 of its activities with every
released attribute is left with at least k candidates for it.

Before: every activity row carried its provider's pseudonym, so the known activities' rows named the pseudonym
and with it every other activity of the provider: on the test warehouse (14 providers) one known activity left
exactly 1 candidate pseudonym for all 14 providers (with the shipped profile and with k=3).
Now the rows carry no provider link, only the provider's class (generalized organization and accreditor type), so
the candidates are the providers of the class, at least k of them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.helpers.releases import K_SMALL

from .provider_attacker import PSEUDONYM, ancestors, candidates, catalogue, consistent, directory, matches

K_SHIPPED = 11


@pytest.fixture
def small_k_release(k3_release) -> Path:
    """The activities release at k=3 (tests/release/conftest.py: made once per run, shared with the cross-time
    attack)."""
    return k3_release


def attack(db: Path, folder: Path, known_per_provider: int) -> dict[str, int]:
    """Candidates left for every provider when the adversary knows its first `known_per_provider` activities."""
    release = pl.read_parquet(folder / "data" / "activities.parquet")
    activities = catalogue(db, release.columns)
    found = matches(release, activities)
    providers = directory(db)
    known = (
        activities.sort("activity_id")
        .group_by("provider_id", maintain_order=True)
        .agg(pl.col("activity_id").head(known_per_provider))
    )
    return {p: candidates(release, found, providers, p, ids) for p, ids in known.rows()}


@pytest.mark.parametrize("known", [1, 2])
@pytest.mark.parametrize("k", [K_SHIPPED, K_SMALL])
def test_a_provider_known_by_directory_entry_and_activities_has_k_candidates(
    attack_releases, small_k_release, known, k
):
    folder = attack_releases["activities"] if k == K_SHIPPED else small_k_release
    left = attack(attack_releases["db"], folder, known)
    assert len(left) == 14
    below = {p: n for p, n in left.items() if n < k}
    assert not below, (
        f"knowing {known} activit{'y' if known == 1 else 'ies'} and the directory entry, {len(below)} of "
        f"{len(left)} providers have fewer than k={k} candidates ({sum(n == 1 for n in below.values())} exactly one)"
    )


def test_the_release_links_no_row_to_a_provider_and_has_classes_at_small_k(attack_releases, small_k_release):
    shipped = pl.read_parquet(attack_releases["activities"] / "data" / "activities.parquet")
    small = pl.read_parquet(small_k_release / "data" / "activities.parquet")
    for frame in (shipped, small):
        assert PSEUDONYM not in frame.columns and "census_region" not in frame.columns
    # not vacuous: at k=3 the rows fall into several provider classes (k=11 leaves the 14 providers one class)
    classes = small.select("organization_type", "accreditor_type").unique()
    assert classes.filter((pl.col("organization_type") != "*") | (pl.col("accreditor_type") != "*")).height >= 2


@pytest.mark.parametrize("k", [K_SHIPPED, K_SMALL])
def test_the_tables_release_zero_cells_narrow_no_row_below_k_providers(attack_releases, small_k_release, k):
    """The adversary also holds the tables release: a cell published as 0 (type t, organization type o, year y)
    rules out the providers of type o for every row of type t in y. A row showing its type must still have at
    least k providers of its class that could have made it. (Before the fix, on the test warehouse, the 13 rows of
    type MR in 2022 had 10 candidates.)"""
    folder = attack_releases["activities"] if k == K_SHIPPED else small_k_release
    rows = pl.read_parquet(folder / "data" / "activities.parquet").with_columns(pl.col("report_year").cast(pl.Utf8))
    cells = pl.read_parquet(attack_releases["tables"] / "data" / "activities_by_type_organization_year.parquet")
    zero = {
        (t, o, y)
        for t, o, y, n in cells.select("activity_type", "organization_type", "report_year", "activities").rows()
        if n == 0
    }
    assert zero
    providers = directory(attack_releases["db"]).to_dicts()
    trees = {c: ancestors(c) for c in ("organization_type", "accreditor_type")}
    groups = (
        rows.filter(pl.col("activity_type") != "*")
        .group_by("activity_type", "report_year", "organization_type", "accreditor_type")
        .len()
    )
    narrow = []
    for g in groups.to_dicts():
        shown = {c: g[c] for c in ("organization_type", "accreditor_type")}
        fitting = sum(
            consistent(p, shown, trees) and (g["activity_type"], p["organization_type"], g["report_year"]) not in zero
            for p in providers
        )
        if fitting < k:
            narrow.append((g["activity_type"], g["report_year"], shown, g["len"], fitting))
    assert not narrow, f"{len(narrow)} (type, year, class) groups of rows have fewer than k={k} candidates: {narrow}"
