"""Activities releases of an earlier and a later export cannot be linked into more than the classes show (issue 13,
items 5 and 9).

The adversary holds both releases, made with different secrets (so no pseudonym is shared), and the provider
directory. An activity of a year both releases cover appears in both, with the same attributes. Simulated on one
warehouse: the earlier export's release covers 2020-2021 (`--years 2020-2021`), the later one 2020-2022.

Before: the rows carried provider pseudonyms, so identical rows linked every pseudonym of the earlier release to
exactly one of the later (14 of 14 providers of the test warehouse), whatever the secrets.
Now the rows carry no pseudonym; an activity found in both releases only tells the adversary that its provider is
in both its classes, and that intersection still holds at least k providers (checked at k = 11 and k = 3).
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.helpers.releases import K_SMALL, activities_profile_with_k, release_content

from .provider_attacker import PROVIDER_ATTRIBUTES, PSEUDONYM, ancestors, catalogue, consistent, directory, matches

K = 11
#: also with k=3 (K_SMALL): on the 14 providers of the test warehouse k=11 leaves one class, k=3 several, so the
#: two releases' classes can differ and their intersection is what is checked


@pytest.fixture(scope="module", params=[K, K_SMALL], ids=["k11", "k3"])
def two_times(request, attack_releases, k3_release, built_warehouse, tmp_path_factory) -> dict:
    """The later release (2020-2022, every year of the warehouse) is the run's shared activities release at that k
    (tests/release/conftest.py); the earlier one (2020-2021) is made here with a new secret: its rows, as
    `make_release("activities", years=[2020, 2021])` makes them (`release_content`: the release's code, without
    writing its files; the adversary reads the rows)."""
    k = request.param
    root = tmp_path_factory.mktemp(f"cross-time-k{k}")
    profile = activities_profile_with_k(k, root / "activities.yaml") if k != K else None
    earlier = release_content("activities", built_warehouse, years=[2020, 2021], profile_file=profile)["activities"]
    later = attack_releases["activities"] if k == K else k3_release
    assert json.loads((later / "manifest.json").read_text())["years"] == [2020, 2021, 2022]
    assert sorted(earlier["report_year"].cast(pl.Utf8).unique()) == ["2020", "2021"]
    return {"k": k, "earlier": earlier, "later": pl.read_parquet(later / "data" / "activities.parquet")}


def frames(two_times) -> tuple[pl.DataFrame, pl.DataFrame]:
    return two_times["earlier"], two_times["later"]


def test_pseudonyms_of_two_releases_do_not_link_through_identical_rows(two_times):
    earlier, later = frames(two_times)
    if PSEUDONYM not in earlier.columns or PSEUDONYM not in later.columns:
        return  # nothing to link: the rows carry no provider pseudonym (checked in test_attack_singling_out.py)
    assert not set(earlier[PSEUDONYM]) & set(later[PSEUDONYM])  # different secrets
    attributes = [c for c in earlier.columns if c != PSEUDONYM]
    pairs = (
        earlier.join(later, on=attributes, how="inner", suffix="_later", nulls_equal=True)
        .select(PSEUDONYM, f"{PSEUDONYM}_later")
        .unique()
    )
    per_pseudonym = pairs.group_by(PSEUDONYM).agg(pl.col(f"{PSEUDONYM}_later").n_unique().alias("n"))
    linked = per_pseudonym.filter(pl.col("n") < two_times["k"])
    assert linked.is_empty(), (
        f"{linked.height} of {earlier[PSEUDONYM].n_unique()} pseudonyms of the earlier release link to fewer than "
        f"{two_times['k']} pseudonyms of the later one through identical rows "
        f"({(linked['n'] == 1).sum()} to exactly one)"
    )


def test_an_activity_in_both_releases_leaves_k_candidate_providers(two_times, attack_releases):
    earlier, later = frames(two_times)
    db = attack_releases["db"]
    providers = directory(db)
    entries = {r["provider_id"]: r for r in providers.to_dicts()}
    shown = {n: [c for c in PROVIDER_ATTRIBUTES if c in f.columns] for n, f in (("earlier", earlier), ("later", later))}
    trees = {c: ancestors(c) for c in PROVIDER_ATTRIBUTES}
    activities = catalogue(db, earlier.columns)
    both = matches(earlier, activities).join(matches(later, activities), on="activity_id", suffix="_later")
    assert both["activity_id"].n_unique() > 1000  # the 2020-2021 activities are in both releases
    smallest = len(entries)
    classes = (
        both.with_columns(
            *[pl.Series(f"e_{c}", earlier[c].gather(both["row"])) for c in shown["earlier"]],
            *[pl.Series(f"l_{c}", later[c].gather(both["row_later"])) for c in shown["later"]],
        )
        .drop("activity_id", "row", "row_later")
        .unique()
    )
    for row in classes.to_dicts():
        first = {c: row[f"e_{c}"] for c in shown["earlier"]}
        second = {c: row[f"l_{c}"] for c in shown["later"]}
        possible = sum(consistent(e, first, trees) and consistent(e, second, trees) for e in entries.values())
        smallest = min(smallest, possible)
    assert smallest >= two_times["k"], (
        f"an activity found in both releases narrows its provider to {smallest} candidates (k={two_times['k']})"
    )
