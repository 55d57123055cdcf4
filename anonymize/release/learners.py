"""Profile `learners`: one row per learner; every released column is a quasi-identifier (k over all of it).

Names, board IDs and birth month/day are never read from the warehouse. The derived columns (completions and
credits by year, sets of activity types and of organization types) get hierarchies built here from the data, each
level a function of the one below (a tree), so the engine's optimal search and local recoding apply unchanged.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from anonymize.engine import anonymize
from anonymize.hierarchy import TOP, from_file, from_levels

from .content import Content, describe_columns
from .profiles import Profile, ReleaseError
from .pseudonyms import pseudonymize

CREDIT_BANDS = ("0", "<10", "10-24", "25-49", "50+")
FORMAT_GROUPS = {"C": "Live", "RSS": "Live", "IL": "Live", "EM": "Enduring", "IEM": "Enduring", "JN": "Enduring"}
HIERARCHIES = Path(__file__).parent / "hierarchies"


def _count_band(n: pl.Expr) -> pl.Expr:
    return (
        pl.when(n == 0)
        .then(pl.lit("0"))
        .when(n < 5)
        .then(pl.lit("1-4"))
        .when(n < 10)
        .then(pl.lit("5-9"))
        .when(n < 20)
        .then(pl.lit("10-19"))
        .otherwise(pl.lit("20+"))
    )


def _credit_band(c: pl.Expr) -> pl.Expr:
    return pl.when(c <= 0).then(0).when(c < 10).then(1).when(c < 25).then(2).when(c < 50).then(3).otherwise(4)


def _tree(name: str, leaves: pl.DataFrame, level_columns: list[str]):
    rows = leaves.select([name, *level_columns]).unique().sort(name).rows()
    return from_levels(name, f"derived levels of {name}", [[*map(str, row), TOP] for row in rows])


def _plural(n: pl.Expr, word: str) -> pl.Expr:
    return pl.format("{} " + word + "{}", n, pl.when(n > 1).then(pl.lit("s")).otherwise(pl.lit("")))


def learner_table(data: pl.DataFrame, years: list[int], org_groups: dict[str, str]) -> tuple[pl.DataFrame, dict]:
    """One row per learner with the five quasi-identifiers as leaf strings, and their derived hierarchies.

    Vectorized (polars): one row per learner and year (zeros included), formatted, then joined per learner.
    """
    per_year = data.group_by(["learner_key", "report_year"]).agg(
        pl.len().alias("n"), pl.col("credits").sum().alias("credits")
    )
    keys = data.select("learner_key").unique()
    grid = keys.join(
        pl.DataFrame({"report_year": years}, schema={"report_year": data.schema["report_year"]}), how="cross"
    )
    grid = (
        grid.join(per_year, on=["learner_key", "report_year"], how="left")
        .with_columns(pl.col("n").fill_null(0), pl.col("credits").fill_null(0.0))
        .sort(["learner_key", "report_year"])
    )
    year = pl.col("report_year").cast(pl.Utf8)
    credit_text = pl.col("credits").round(2).cast(pl.Utf8).str.replace(r"\.0$", "")
    yearly = grid.with_columns(
        pl.format("{}:{}", year, pl.col("n")).alias("leaf_c"),
        pl.format("{}:{}", year, _count_band(pl.col("n"))).alias("band_c"),
        pl.format("{}:{}", year, pl.when(pl.col("n") > 0).then(pl.lit("yes")).otherwise(pl.lit("no"))).alias("act"),
        pl.format("{}:{}", year, credit_text).alias("leaf_r"),
        _credit_band(pl.col("credits")).alias("band_index"),
    ).with_columns(
        pl.format("{}:{}", year, pl.col("band_index").replace_strict(list(range(5)), list(CREDIT_BANDS))).alias(
            "band_r"
        )
    )
    per_learner = yearly.group_by("learner_key", maintain_order=True).agg(
        pl.col("leaf_c").str.join(";").alias("completions_by_year"),
        pl.col("band_c").str.join(";").alias("_c1"),
        pl.col("act").str.join(";").alias("_c2"),
        pl.format("active in {} of " + str(len(years)) + " years", (pl.col("n") > 0).sum()).alias("_c3"),
        pl.col("leaf_r").str.join(";").alias("credits_by_year"),
        pl.col("band_r").str.join(";").alias("_r1"),
        pl.format(
            "largest yearly credits {}", pl.col("band_index").max().replace_strict(list(range(5)), list(CREDIT_BANDS))
        ).alias("_r2"),
    )
    groups = {t: FORMAT_GROUPS.get(t, "Other") for t in data["activity_type"].unique().to_list()}
    sets = data.group_by("learner_key").agg(
        pl.col("board").first(),
        pl.col("activity_type").unique().sort().alias("types"),
        pl.col("activity_type").replace_strict(groups).unique().sort().alias("type_groups"),
        pl.col("organization_type").unique().sort().alias("orgs"),
        pl.col("organization_type").replace_strict(org_groups).unique().sort().alias("org_groups"),
    )
    table = (
        per_learner.join(sets, on="learner_key")
        .sort("learner_key")
        .select(
            "learner_key",
            "board",
            "completions_by_year",
            "_c1",
            "_c2",
            "_c3",
            "credits_by_year",
            "_r1",
            "_r2",
            pl.col("types").list.join("+").alias("activity_types"),
            pl.col("type_groups").list.join("+").alias("_t1"),
            _plural(pl.col("type_groups").list.len(), "format group").alias("_t2"),
            pl.col("orgs").list.join(" | ").alias("organization_types"),
            pl.col("org_groups").list.join(" | ").alias("_o1"),
            _plural(pl.col("org_groups").list.len(), "organization-type group").alias("_o2"),
        )
    )
    hierarchies = {
        "completions_by_year": _tree("completions_by_year", table, ["_c1", "_c2", "_c3"]),
        "credits_by_year": _tree("credits_by_year", table, ["_r1", "_r2"]),
        "activity_types": _tree("activity_types", table, ["_t1", "_t2"]),
        "organization_types": _tree("organization_types", table, ["_o1", "_o2"]),
    }
    return table.select(c for c in table.columns if not c.startswith("_")), hierarchies


def build(con: duckdb.DuckDBPyConnection, profile: Profile, secret: bytes) -> Content:
    policy = profile.policy
    statuses = list(profile.get("statuses", ["Accepted"]))
    years = profile.get("years")
    only_years = " and activity_report_year in (select unnest($y))" if years else ""
    data = con.sql(
        f"select learner_key, board, activity_report_year as report_year, credits, activity_type, "
        f"organization_type "
        f"from {profile.get('source')} where completion_status in (select unnest($s)){only_years} "
        f"order by completion_id",
        params={"s": statuses, **({"y": years} if years else {})},
    ).pl()
    if data.is_empty():
        raise ReleaseError(
            f"{profile.get('source')} has no completions with status {statuses}"
            + (f" in the years {years}" if years else "")
        )
    years = sorted(data["report_year"].unique().to_list())
    org_hierarchy = from_file("organization_type", HIERARCHIES / "organization_type.csv")
    org_groups = dict(
        zip(org_hierarchy.labels[0], [org_hierarchy.labels[1][i] for i in org_hierarchy.maps[1]], strict=True)
    )
    table, hierarchies = learner_table(data, years, org_groups)
    try:
        result = anonymize(table, policy, hierarchies=hierarchies)
    except ValueError as exc:
        raise ReleaseError(f"learners cannot be made {policy.k}-anonymous: {exc}") from None
    pseudonym = profile.get("pseudonyms")["learner_key"]
    released = result.table.with_columns(
        pseudonymize(result.table["learner_key"], secret, pseudonym["prefix"], pseudonym["length"]).alias(
            pseudonym["name"]
        )
    ).drop("learner_key")
    released = released.select([pseudonym["name"], *policy.qi_names]).sort([*policy.qi_names, pseudonym["name"]])
    risk = result.report["risk"]
    table_risk = {
        **risk,
        "unit": "learner",
        "years": years,
        "levels": result.report["levels"],
        "loss_per_attribute": result.report["quality"]["loss_per_attribute"],
        "granularity": result.report["quality"]["granularity"],
        "local_recoding": "local_recoding" in result.report,
    }
    guarantees = [
        {
            "name": "k-anonymity over learners on every released column (suppressed class counted)",
            "required": policy.k,
            "achieved": risk["k"],
            "ok": risk["k"] >= policy.k,
        },
        {
            "name": "highest prosecutor risk",
            "required": round(1 / policy.k, 6),
            "achieved": round(risk["prosecutor_risk"]["max"], 6),
            "ok": risk["prosecutor_risk"]["max"] <= 1 / policy.k,
        },
        {
            "name": "suppressed learners (share)",
            "required": policy.suppression_limit,
            "achieved": risk["suppressed_share"],
            "ok": risk["suppressed_share"] <= policy.suppression_limit,
        },
        {
            "name": "names, board IDs and birth month/day read from the warehouse",
            "required": 0,
            "achieved": 0,
            "ok": True,
        },
    ]
    levels = {q.name: q.params.get("levels") or "hierarchy board.csv" for q in policy.quasi_identifiers}
    columns = describe_columns(
        "learners",
        released.columns,
        {
            pseudonym["name"]: "Keyed pseudonym of the learner (one physician as known to one board; HMAC-SHA256 under "
            "this release's secret). Releases made with different secrets (pseudonym_key_id in the manifest) share no "
            "pseudonym, so they cannot be joined on this column; the rows themselves can still match across releases "
            "(the same values in both), which no audit rules out. Releases with the same key id share pseudonyms; "
            "the register's joint audit proved k=11 over their combined columns.",
            "board": f"Certifying board, generalized ({levels['board']}); '*' = suppressed.",
            "completions_by_year": "Accepted completions per year as year:value;...; generalized row by row ("
            + levels["completions_by_year"]
            + ").",
            "credits_by_year": "Credits of accepted completions per year as year:value;...; generalized row by row ("
            + levels["credits_by_year"]
            + ").",
            "activity_types": "Activity types of the learner's completions joined by '+'; generalized ("
            + levels["activity_types"]
            + ").",
            "organization_types": "Organization types of the providers of the learner's completions joined by ' | '; "
            "generalized (" + levels["organization_types"] + ").",
        },
    )
    return Content(
        tables={"learners": released},
        risk={"tables": {"learners": table_risk}, "guarantees": guarantees},
        columns={"learners": columns},
        forbidden=set(table["learner_key"].to_list()),
        hierarchies={"learners": hierarchies},
    )
