"""What an activities release must star to pass next to a tables release (for the activities profile)."""

from __future__ import annotations

import polars as pl

from anonymize.tables.linear_audit import ALL

from .reading import DIMENSIONS, TYPE_ORG


def star_for_tables(rows: pl.DataFrame, type_organization: pl.DataFrame) -> pl.DataFrame:
    """`rows` (one per activity: report_year, activity_type, activity_format_group, organization_type with raw
    values) with `*` where the tables release's `activities_by_type_organization_year` hides a cell:

    - organization_type on the rows of every suppressed (type, organization, year) cell;
    - activity_type, activity_format_group and organization_type on the rows of every suppressed (type, All, year)
      margin: the rows show the count of each activity type per year, so such a margin would otherwise be counted
      straight from them.

    The joint audit still decides: this is the pattern it was tested to accept on the test warehouse
    (tests/release/test_joint_audit.py), not a proof for every table.
    """
    table = type_organization.with_columns(pl.col(c).cast(pl.Utf8) for c in DIMENSIONS[TYPE_ORG])
    hidden = table.filter(
        pl.col("activities").is_null() & (pl.col("activity_type") != ALL) & (pl.col("report_year") != ALL)
    )
    cells = (
        hidden.filter(pl.col("organization_type") != ALL)
        .select(DIMENSIONS[TYPE_ORG])
        .with_columns(pl.lit(True).alias("_cell"))
    )
    margins = (
        hidden.filter(pl.col("organization_type") == ALL)
        .select("activity_type", "report_year")
        .unique()
        .with_columns(pl.lit(True).alias("_margin"))
    )
    year_type = rows.schema["report_year"]
    keyed = rows.with_columns(pl.col("report_year").cast(pl.Utf8).alias("_year"))
    keyed = keyed.join(
        cells.rename({"report_year": "_year"}), on=["activity_type", "organization_type", "_year"], how="left"
    )
    keyed = keyed.join(margins.rename({"report_year": "_year"}), on=["activity_type", "_year"], how="left")
    star = pl.lit("*")
    whole = pl.col("_margin").fill_null(False)
    starred = keyed.with_columns(
        pl.when(whole | pl.col("_cell").fill_null(False))
        .then(star)
        .otherwise(pl.col("organization_type"))
        .alias("organization_type"),
        *(
            pl.when(whole).then(star).otherwise(pl.col(c)).alias(c)
            for c in ("activity_type", "activity_format_group")
            if c in rows.columns
        ),
    )
    return starred.drop("_year", "_cell", "_margin").with_columns(pl.col("report_year").cast(year_type))
