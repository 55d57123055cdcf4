"""The adversary of issue 13 against the activities release, as code shared by the attack tests.

What the adversary holds: ACCME's public directory of accredited providers (name -> state, organization type,
accreditor; the census region follows from the state) and public activity catalogues, here taken to give every
attribute the activities release shows of an activity (year, type, format, hours, interactions, credits, flags,
competencies, MOC/REMS, commercial support). Both are read from the identified warehouse the release was made from.

A released row is *consistent* with a catalogue activity when every column agrees, a generalized column showing
the activity's value or one of its ancestors in the release's hierarchies, or `*`. A released provider attribute
is consistent with a directory entry the same way.
"""

from __future__ import annotations

import duckdb
import polars as pl

from anonymize.release.activities import tenths
from anonymize.release.profiles import PROFILES_DIR

#: provider attributes a release may show (generalized) and the directory gives exactly
PROVIDER_ATTRIBUTES = ("organization_type", "accreditor_type", "census_region")
#: activity attributes a release may generalize to `*` (the rest must match exactly)
GENERALIZABLE = ("activity_type", "activity_format_group")
PSEUDONYM = "provider"


def ancestors(name: str) -> dict[str, set[str]]:
    """Each leaf of the release's hierarchy of `name` -> every value it can be released as (itself included)."""
    path = PROFILES_DIR.parent / "hierarchies" / f"{name}.csv"
    if not path.is_file():
        return {}
    return {line.split(";")[0]: set(line.split(";")) for line in path.read_text().splitlines() if line}


def directory(db, years: list[int] | None = None) -> pl.DataFrame:
    """The public provider directory, restricted to the providers with counted activities (in `years`)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        only = "where report_year in (select unnest($y))" if years else ""
        return con.sql(
            f"""
            select provider_id, provider_name, state, organization_type, accreditor_type, census_region
            from core.dim_providers
            where provider_id in (select provider_id from research.activities {only})
            order by provider_id""",
            params={"y": years} if years else None,
        ).pl()
    finally:
        con.close()


def catalogue(db, columns: list[str]) -> pl.DataFrame:
    """Every counted activity with its provider and the released form of `columns` (lists joined by ';', hours
    to 0.1), as a catalogue gives them."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = con.sql("select * from research.activities order by activity_id").pl()
    finally:
        con.close()
    data = data.with_columns(pl.col(c).list.join(";") for c, t in data.schema.items() if isinstance(t, pl.List))
    data = data.with_columns(tenths(pl.col("hours_of_instruction")))
    wanted = [c for c in columns if c not in PROVIDER_ATTRIBUTES and c != PSEUDONYM]
    return data.select("activity_id", "provider_id", *wanted)


def _exact_key(frame: pl.DataFrame, columns: list[str]) -> pl.Expr:
    return pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in columns], separator="\x1f")


def matches(release: pl.DataFrame, activities: pl.DataFrame) -> pl.DataFrame:
    """Pairs (activity_id, released row number) where the released row is consistent with the catalogue activity."""
    rows = release.with_row_index("row")
    general = [c for c in GENERALIZABLE if c in release.columns]
    exact = [c for c in release.columns if c not in (*PROVIDER_ATTRIBUTES, PSEUDONYM, *general)]
    left = activities.with_columns(_exact_key(activities, exact).alias("_key")).select(
        "activity_id", "_key", *[pl.col(c).alias(f"_{c}") for c in general]
    )
    right = rows.with_columns(_exact_key(rows, exact).alias("_key")).select("row", "_key", *general)
    joined = left.join(right, on="_key", how="inner")
    for c in general:
        joined = joined.filter((pl.col(c) == pl.col(f"_{c}")) | (pl.col(c) == "*"))
    return joined.select("activity_id", "row")


def consistent(entry: dict, released: dict, trees: dict[str, dict[str, set[str]]]) -> bool:
    """Whether a provider with directory `entry` could have the released provider attributes `released`."""
    for name, value in released.items():
        if value == "*" or value is None:
            continue
        if value not in trees.get(name, {}).get(entry[name], {entry[name]}):
            return False
    return True


def candidates(
    release: pl.DataFrame, found: pl.DataFrame, providers: pl.DataFrame, provider_id: str, known: list[str]
) -> int:
    """How many units the adversary cannot tell provider `provider_id` from, knowing its directory entry and the
    catalogue activities `known`: with a provider pseudonym, the pseudonyms having, for each known activity, a
    consistent row whose provider attributes are consistent with the entry; without one, the directory's
    providers that could have made, for each known activity, one of its consistent rows."""
    shown = [c for c in PROVIDER_ATTRIBUTES if c in release.columns]
    trees = {c: ancestors(c) for c in shown}
    entries = {r["provider_id"]: r for r in providers.to_dicts()}
    per_activity = []
    for activity in known:
        row_ids = found.filter(pl.col("activity_id") == activity)["row"].to_list()
        per_activity.append(release[row_ids] if row_ids else release.clear())
    if PSEUDONYM in release.columns:
        sets = []
        for rows in per_activity:
            sets.append(
                {
                    r[PSEUDONYM]
                    for r in rows.to_dicts()
                    if consistent(entries[provider_id], {c: r[c] for c in shown}, trees)
                }
            )
        return len(set.intersection(*sets))
    possible = set(entries)
    for rows in per_activity:
        classes = rows.select(shown).unique().to_dicts() if shown else [{}]
        possible = {p for p in possible if any(consistent(entries[p], c, trees) for c in classes)}
    return len(possible)
