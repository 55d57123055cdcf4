"""The learners release aggregates its completions in DuckDB (under the memory cap): the per-learner table must be
exactly the one the earlier polars code made from all completions in memory, which this file keeps as the oracle
(`polars_learner_table`, the code of anonymize/release/learners.py before the move)."""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymize.hierarchy import TOP, from_file, from_levels
from anonymize.release.learner_rows import (
    COMPLETIONS_PER_PASS,
    CREDIT_BANDS,
    FORMAT_GROUPS,
    HIERARCHIES,
    key_ranges,
    learner_rows,
    learner_table,
    passes_for,
)
from warehouse.contract import codes


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


def polars_learner_table(data: pl.DataFrame, years: list[int], org_groups: dict[str, str]) -> tuple[pl.DataFrame, dict]:
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


def org_groups() -> dict[str, str]:
    tree = from_file("organization_type", HIERARCHIES / "organization_type.csv")
    return dict(zip(tree.labels[0], [tree.labels[1][i] for i in tree.maps[1]], strict=True))


def same(found: tuple[pl.DataFrame, dict], expected: tuple[pl.DataFrame, dict]) -> None:
    (table, trees), (oracle, oracle_trees) = found, expected
    assert table.columns == oracle.columns
    assert table.to_dicts() == oracle.to_dicts()
    assert trees.keys() == oracle_trees.keys()
    for name, tree in trees.items():
        assert tree.labels == oracle_trees[name].labels, name
        assert [m.tolist() for m in tree.maps] == [m.tolist() for m in oracle_trees[name].maps], name


completion = st.tuples(
    st.integers(0, 40),  # learner
    st.sampled_from([2019, 2021, 2022]),
    st.integers(1, 4000).map(lambda cents: cents / 100),  # credits with up to two decimals, 0.01 to 40
    st.sampled_from(codes.ACTIVITY_TYPES),
    st.sampled_from(codes.ORGANIZATION_TYPES),
)


def key(learner: int) -> str:
    """A learner key shaped like the warehouse's (md5 hex), so the passes over key ranges split them."""
    return hashlib.md5(f"learner {learner}".encode()).hexdigest()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(completion, min_size=1, max_size=300), st.booleans(), st.integers(1, 5))
def test_duckdb_learner_table_equals_the_polars_one(rows, all_years, passes):
    boards = list(codes.BOARDS)
    data = pl.DataFrame(
        [(key(learner), boards[learner % 4], year, credits, kind, org) for learner, year, credits, kind, org in rows],
        schema=["learner_key", "board", "report_year", "credits", "activity_type", "organization_type"],
        orient="row",
    )
    years = [2019, 2020, 2021, 2022] if all_years else sorted(data["report_year"].unique().to_list())
    same(learner_table(data, years, org_groups(), passes), polars_learner_table(data, years, org_groups()))


def test_learner_rows_of_the_warehouse_equal_the_polars_table(built_warehouse):
    """On the test warehouse's accepted completions, as the release reads them (first board by completion_id)."""
    select = (
        "select completion_id, learner_key, board, activity_report_year as report_year, credits, activity_type, "
        "organization_type from research.learner_completions where completion_status in (select unnest($s))"
    )
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        data = con.sql(select + " order by completion_id", params={"s": ["Accepted"]}).pl()
        years = sorted(data["report_year"].unique().to_list())
        found = learner_rows(con, select, {"s": ["Accepted"]}, years, org_groups())
        # more completions than a pass takes: passes over learner_key ranges, concatenated in key order
        in_passes = learner_rows(con, select, {"s": ["Accepted"]}, years, org_groups(), passes=4)
    finally:
        con.close()
    assert found[0].height > 100
    oracle = polars_learner_table(data.drop("completion_id"), years, org_groups())
    same(found, oracle)
    same(in_passes, oracle)
    assert key_ranges(1) == [(None, None)] and key_ranges(4) == [(None, "40"), ("40", "80"), ("80", "c0"), ("c0", None)]
    assert [passes_for(n) for n in (0, COMPLETIONS_PER_PASS, COMPLETIONS_PER_PASS + 1)] == [1, 1, 2]
