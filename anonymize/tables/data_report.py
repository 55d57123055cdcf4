"""Which figures of the public Data Report's per-group tables are suppressed (printed "-"), and why.

Called by the dbt Python model `int_annual_report__suppressed_cells` (so the rule runs when the marts are built and
the report only prints what the mart `annual_report.suppressed_cells` says). Per report year, three linked systems:

* activities: accreditor group x organization type x activity type, with every margin (`All`): hours of
  instruction and physician and other learner interactions (Table 1's group columns, Tables 2-5 and their totals);
* income: accreditor group x organization type x income line, margins included (the All line is total income):
  Table 1's income rows, income by source, income by organization type, commercial support by organization type;
* professions: accreditor group x profession (other learner interactions by profession; its shares reveal the
  group's total, which is therefore treated as published).

Accreditor group is a dimension because the supplement prints ACCME, State and Joint, whose sum is the All table.
A magnitude cell with fewer than 3 contributing providers or failing the p% rule (p = 10) is a primary cell; the
complementary cells are chosen and the pattern audited by the same linear program as the tables release, each
primary cell's interval reaching 10% of its largest provider's contribution on both sides. Quartiles (Table 12) are
not additive: a row of fewer than 3 reporting providers is suppressed, nothing else. When no suppression pattern
protects every primary cell (only in tiny warehouses, where one provider dominates a grand total), the whole system
is withheld for that year.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from anonymize.tables.dominance import MIN_CONTRIBUTORS, REASON, aligned, contributions, dominated, protection_levels
from anonymize.tables.linear_audit import ALL, with_margins
from anonymize.tables.suppression import TableExposedError, suppress

COMPLEMENT = "withheld so that a suppressed figure cannot be derived from the totals"
ACTIVITY_MEASURES = ["hours_of_instruction", "physician_interactions", "other_learner_interactions"]
#: income lines: provider_years column -> the label of annual_report.income_by_source
INCOME_SOURCES = {
    "commercial_support_income": "Commercial support",
    "advertising_exhibit_income": "Advertising and exhibits",
    "registration_fees": "Registration fees",
    "government_grants": "Government grants",
    "private_donations": "Private donations",
    "other_income": "Other income",
}
QUARTILES = [
    "activities_p25",
    "activities_median",
    "activities_p75",
    "interactions_p25",
    "interactions_median",
    "interactions_p75",
]
SCHEMA = {
    "report_year": pl.Int32,
    "accreditor_group": pl.Utf8,
    "source_model": pl.Utf8,
    "row_key": pl.Utf8,
    "measure": pl.Utf8,
    "is_primary": pl.Boolean,
    "reason": pl.Utf8,
}


def _suppressed(rows: pl.DataFrame, dims: list[str], measures: list[str]) -> pl.DataFrame:
    """The suppressed cells of one system: its dims and `is_primary`, from per-provider rows (integer measures)."""
    interior = rows.group_by(dims).agg(pl.col(m).sum() for m in measures)
    table = with_margins(interior, dims, measures)
    stats = aligned(contributions(rows, dims, measures, "provider_id"), table, dims)
    need = {m: protection_levels(stats, m, dominated(stats, m).to_numpy()) for m in measures}
    primary = sum(n > 0 for n in need.values()) > 0
    try:
        mask = suppress(table, dims, [], low=1, high=10, protection=need, final_audit=False).mask
    except TableExposedError:
        # no pattern protects every primary cell (a tiny warehouse whose grand total one provider dominates):
        # the whole system is withheld for the year
        mask = np.ones(table.height, dtype=bool)
    flagged = table.select(dims).with_columns(pl.Series("is_primary", primary), pl.Series("_masked", mask))
    return flagged.filter(pl.col("_masked")).drop("_masked")


def _rows(frame: pl.DataFrame, source_model: str, row_key: pl.Expr, measures: list[str]) -> pl.DataFrame:
    out = frame.select(
        pl.col("accreditor_group"),
        pl.lit(source_model).alias("source_model"),
        row_key.alias("row_key"),
        pl.col("is_primary"),
    )
    return out.join(pl.DataFrame({"measure": measures}), how="cross")


def _shares(
    cells: pl.DataFrame, source_model: str, key: str, share: str, margin: pl.Expr, all_keys: pl.DataFrame
) -> pl.DataFrame:
    """A share column is suppressed with its cell, and for every row of a group whose margin is suppressed
    (the shares of the published rows would give the margin back)."""
    own = cells.select("accreditor_group", pl.col(key).alias("row_key"), "is_primary")
    groups = cells.filter(margin).select("accreditor_group").unique()
    whole = all_keys.join(groups, how="cross").with_columns(pl.lit(False).alias("is_primary"))
    both = pl.concat([own, whole.select("accreditor_group", "row_key", "is_primary")])
    both = both.group_by("accreditor_group", "row_key").agg(pl.col("is_primary").any())
    return both.with_columns(pl.lit(source_model).alias("source_model"), pl.lit(share).alias("measure"))


def _activities(activities: pl.DataFrame) -> list[pl.DataFrame]:
    rows = activities.select(
        pl.col("accreditor_type").alias("accreditor_group"),
        "organization_type",
        "activity_type",
        "provider_id",
        (pl.col("hours_of_instruction").cast(pl.Float64) * 100).round().cast(pl.Int64).alias("hours_of_instruction"),
        *(pl.col(m).cast(pl.Int64) for m in ACTIVITY_MEASURES[1:]),
    )
    cells = _suppressed(rows, ["accreditor_group", "organization_type", "activity_type"], ACTIVITY_MEASURES)
    matrix = _rows(
        cells, "activity_matrix", pl.col("organization_type") + " | " + pl.col("activity_type"), ACTIVITY_MEASURES
    )
    totals = cells.filter((pl.col("organization_type") == ALL) & (pl.col("activity_type") == ALL))
    size = _rows(totals, "enterprise_size", pl.lit("Total"), [*ACTIVITY_MEASURES, "total_interactions"])
    return [matrix, size]


def _income(provider_years: pl.DataFrame, organization_types: list[str]) -> list[pl.DataFrame]:
    long = provider_years.unpivot(
        index=["accreditor_type", "organization_type", "provider_id"],
        on=list(INCOME_SOURCES),
        variable_name="income_source",
        value_name="income",
    )
    rows = long.select(
        pl.col("accreditor_type").alias("accreditor_group"),
        "organization_type",
        "income_source",
        "provider_id",
        (pl.col("income").cast(pl.Float64) * 100).round().cast(pl.Int64).alias("income"),
    )
    cells = _suppressed(rows, ["accreditor_group", "organization_type", "income_source"], ["income"])
    column = pl.when(pl.col("income_source") == ALL).then(pl.lit("total_income")).otherwise(pl.col("income_source"))
    by_type = cells.select(
        "accreditor_group",
        pl.lit("income_by_organization_type").alias("source_model"),
        pl.col("organization_type").alias("row_key"),
        column.alias("measure"),
        "is_primary",
    )
    group = cells.filter(pl.col("organization_type") == ALL)
    size = group.select(
        "accreditor_group",
        pl.lit("enterprise_size").alias("source_model"),
        pl.lit("Total").alias("row_key"),
        column.alias("measure"),
        "is_primary",
    )
    label = pl.col("income_source").replace(INCOME_SOURCES)
    by_source = group.with_columns(label.alias("income_source"))
    sources = [
        _rows(by_source, "income_by_source", pl.col("income_source"), ["income"]),
        _shares(
            by_source,
            "income_by_source",
            "income_source",
            "share_of_total_income",
            pl.col("income_source") == ALL,
            pl.DataFrame({"row_key": list(INCOME_SOURCES.values())}),
        ),
    ]
    support = cells.filter(pl.col("income_source") == "commercial_support_income")
    commercial = [
        _rows(
            support.filter(pl.col("organization_type") != ALL),
            "commercial_support_by_organization_type",
            pl.col("organization_type"),
            ["commercial_support_income"],
        ),
        _shares(
            support.filter(pl.col("organization_type") != ALL) if support.height else support,
            "commercial_support_by_organization_type",
            "organization_type",
            "share_of_commercial_support_income",
            pl.lit(False),
            pl.DataFrame({"row_key": organization_types}, schema={"row_key": pl.Utf8}),
        ),
    ]
    # a suppressed total commercial support of a group would come back from the shares of the published types
    margin = support.filter(pl.col("organization_type") == ALL).select("accreditor_group")
    commercial.append(
        pl.DataFrame({"row_key": organization_types}, schema={"row_key": pl.Utf8})
        .join(margin, how="cross")
        .select(
            "accreditor_group",
            pl.lit("commercial_support_by_organization_type").alias("source_model"),
            "row_key",
            pl.lit("share_of_commercial_support_income").alias("measure"),
            pl.lit(False).alias("is_primary"),
        )
    )
    return [by_type, size, *sources, *commercial]


def _professions(professions: pl.DataFrame, names: list[str]) -> list[pl.DataFrame]:
    rows = professions.select(
        pl.col("accreditor_type").alias("accreditor_group"),
        "profession",
        "provider_id",
        pl.col("learner_count").cast(pl.Int64).alias("other_learner_interactions"),
    )
    if not rows.height:
        return []
    cells = _suppressed(rows, ["accreditor_group", "profession"], ["other_learner_interactions"])
    interior = cells.filter(pl.col("profession") != ALL)
    return [
        _rows(interior, "other_learners_by_profession", pl.col("profession"), ["other_learner_interactions"]),
        _shares(
            interior,
            "other_learners_by_profession",
            "profession",
            "share_of_other_learner_interactions",
            pl.lit(False),
            pl.DataFrame({"row_key": names}, schema={"row_key": pl.Utf8}),
        ),
        pl.DataFrame({"row_key": names}, schema={"row_key": pl.Utf8})
        .join(cells.filter(pl.col("profession") == ALL).select("accreditor_group"), how="cross")
        .select(
            "accreditor_group",
            pl.lit("other_learners_by_profession").alias("source_model"),
            "row_key",
            pl.lit("share_of_other_learner_interactions").alias("measure"),
            pl.lit(False).alias("is_primary"),
        ),
    ]


def _quartiles(provider_years: pl.DataFrame) -> list[pl.DataFrame]:
    reporting = provider_years.filter(pl.col("is_reporting"))
    own = (
        reporting.group_by("accreditor_type", "organization_type")
        .agg(pl.len().alias("n"))
        .rename({"accreditor_type": "accreditor_group"})
    )
    every = (
        reporting.group_by("organization_type")
        .agg(pl.len().alias("n"))
        .with_columns(pl.lit(ALL).alias("accreditor_group"))
    )
    few = (
        pl.concat([own, every.select(own.columns)], how="vertical_relaxed")
        .filter((pl.col("n") > 0) & (pl.col("n") < MIN_CONTRIBUTORS))
        .with_columns(pl.lit(True).alias("is_primary"))
    )
    return [_rows(few, "provider_quartiles_by_organization_type", pl.col("organization_type"), QUARTILES)]


def suppressed_cells(
    activities: pl.DataFrame,
    provider_years: pl.DataFrame,
    professions: pl.DataFrame,
    organization_types: list[str],
    profession_names: list[str],
) -> pl.DataFrame:
    """One row per suppressed figure of the Data Report: report_year, accreditor_group, source_model (the mart the
    figure is read from), row_key (the mart row: 'Total', an organization type, '<organization type> | <activity
    type>', an income source label or profession; 'All' = a table's total row or column), measure (the mart column),
    is_primary (fails the rule itself) and reason."""
    parts = []
    for year in sorted(set(activities["report_year"].to_list()) | set(provider_years["report_year"].to_list())):
        found = [
            *_activities(activities.filter(pl.col("report_year") == year)),
            *_income(provider_years.filter(pl.col("report_year") == year), organization_types),
            *_professions(professions.filter(pl.col("report_year") == year), profession_names),
            *_quartiles(provider_years.filter(pl.col("report_year") == year)),
        ]
        parts += [
            f.select("accreditor_group", "source_model", "row_key", "measure", "is_primary").with_columns(
                pl.lit(year).cast(pl.Int32).alias("report_year")
            )
            for f in found
            if f.height
        ]
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    cells = (
        pl.concat(parts)
        .group_by("report_year", "accreditor_group", "source_model", "row_key", "measure")
        .agg(pl.col("is_primary").any())
    )
    reason = pl.when(pl.col("is_primary")).then(pl.lit(REASON)).otherwise(pl.lit(COMPLEMENT))
    return (
        cells.with_columns(reason.alias("reason"))
        .select(list(SCHEMA))
        .cast(SCHEMA)
        .sort("report_year", "accreditor_group", "source_model", "row_key", "measure")
    )
