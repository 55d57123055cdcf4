"""End to end: generate → load → dbt build → the moc and rems marts hold what the export says.

Expected figures are computed with polars straight from the CSV files of a clean generated export (the loader
keeps every row of it), never from the warehouse's models.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.helpers import query
from tests.helpers.consumer import clean, export_file  # noqa: F401  (clean: the shared fixture)

BOARD_SUMMARY_COLUMNS = (
    "registered_activities",
    "activities_with_completions",
    "completions",
    "completions_accepted",
    "completions_rejected",
    "completions_pending",
    "distinct_learners",
    "credits_awarded",
    "late_completions",
)
REMS_COLUMNS = (
    "compliant_activities",
    "related_activities",
    "rpc_funded_activities",
    "physician_interactions",
    "other_learner_interactions",
    "prescriber_learners",
    "dea_registered_learners",
    "primary_care_learners",
    "pain_specialist_learners",
    "other_specialist_learners",
)


# --- expected figures, from the files -------------------------------------------------------------------------------


def expected_board_summary(export: Path) -> dict[tuple[int, str], tuple]:
    accepted = pl.col("status") == "Accepted"
    completions = (
        export_file(export, "learner_completions")
        .with_columns(pl.col("completion_date", "reported_date").str.to_date(), pl.col("credits").cast(pl.Float64))
        .with_columns(
            pl.col("completion_date").dt.year().alias("report_year"),
            ((pl.col("reported_date") - pl.col("completion_date")).dt.total_days() > 30).alias("is_late"),
        )
        .group_by("report_year", "board")
        .agg(
            pl.col("activity_id").n_unique().alias("activities_with_completions"),
            pl.len().alias("completions"),
            accepted.sum().alias("completions_accepted"),
            (pl.col("status") == "Rejected").sum().alias("completions_rejected"),
            (pl.col("status") == "Pending").sum().alias("completions_pending"),
            pl.col("learner_board_id").filter(accepted).n_unique().alias("distinct_learners"),
            pl.col("credits").filter(accepted).sum().round(2).alias("credits_awarded"),
            pl.col("is_late").sum().alias("late_completions"),
        )
    )
    registrations = (
        export_file(export, "activity_moc_registrations")
        .join(export_file(export, "activities").select("activity_id", "reporting_year"), on="activity_id")
        .group_by(pl.col("reporting_year").cast(pl.Int32).alias("report_year"), "board")
        .agg(pl.len().alias("registered_activities"))
    )
    joined = (
        registrations.join(completions, on=["report_year", "board"], how="full", coalesce=True)
        .fill_null(0)
        .select("report_year", "board", *BOARD_SUMMARY_COLUMNS)
    )
    return {(row[0], row[1]): tuple(row[2:]) for row in joined.collect().iter_rows()}


def expected_rems_summary(export: Path) -> dict[int, tuple]:
    counted = (
        export_file(export, "activities")
        .filter(pl.col("status") == "Closed")
        .select(
            "activity_id",
            pl.col("reporting_year").cast(pl.Int32).alias("report_year"),
            "physician_learners",
            "other_learners",
        )
    )
    learners = (
        "prescriber_learners",
        "dea_registered_learners",
        "primary_care_learners",
        "pain_specialist_learners",
        "other_specialist_learners",
    )
    rems = (
        counted.join(export_file(export, "activity_rems"), on="activity_id")
        .group_by("report_year")
        .agg(
            (pl.col("rems_designation") == "Compliant").sum().alias("compliant_activities"),
            (pl.col("rems_designation") == "Related").sum().alias("related_activities"),
            pl.col("rpc_grant_id").is_not_null().sum().alias("rpc_funded_activities"),
            pl.col("physician_learners").cast(pl.Int64).sum().alias("physician_interactions"),
            pl.col("other_learners").cast(pl.Int64).sum().alias("other_learner_interactions"),
            *[pl.col(c).cast(pl.Int64).sum() for c in learners],
        )
    )
    years = counted.select("report_year").unique()
    joined = years.join(rems, on="report_year", how="left").fill_null(0).select("report_year", *REMS_COLUMNS)
    return {row[0]: tuple(row[1:]) for row in joined.collect().iter_rows()}


# --- the assertions -------------------------------------------------------------------------------------------------


def test_board_summary_equals_the_completion_and_registration_files(clean):
    export, db, _ = clean
    columns = ", ".join(BOARD_SUMMARY_COLUMNS)
    actual = {
        (r[0], r[1]): tuple(round(float(v), 2) if i == 7 else v for i, v in enumerate(r[2:]))
        for r in query(db, f"select report_year, board, {columns} from moc.board_summary")
    }
    expected = expected_board_summary(export)
    assert sum(v[2] for v in expected.values()) > 1000
    assert actual == expected


def test_provider_timeliness_adds_up_to_the_board_summary(clean):
    _, db, _ = clean
    differing = query(
        db,
        """
        with per_board as (
            select report_year, board, sum(completions) as completions, sum(late_completions) as late,
                sum(completions_rejected) as rejected
            from moc.provider_reporting_timeliness
            group by all
        )
        select report_year, board
        from per_board
        full join moc.board_summary as summary using (report_year, board)
        where summary.board is null
            or coalesce(per_board.completions, 0) <> summary.completions
            or coalesce(per_board.late, 0) <> summary.late_completions
            or coalesce(per_board.rejected, 0) <> summary.completions_rejected
    """,
    )
    assert differing == []
    rates = query(
        db,
        "select min(late_rate), max(late_rate), min(rejection_rate), max(rejection_rate) "
        "from moc.provider_reporting_timeliness",
    )[0]
    assert 0 <= rates[0] < rates[1] <= 1 and 0 <= rates[2] < rates[3] <= 1


def test_rems_summary_equals_the_rems_and_activity_files(clean):
    export, db, _ = clean
    actual = {r[0]: tuple(r[1:]) for r in query(db, f"select report_year, {', '.join(REMS_COLUMNS)} from rems.summary")}
    expected = expected_rems_summary(export)
    assert sum(v[0] + v[1] for v in expected.values()) > 0
    assert actual == expected
    listed = query(db, "select count(*) filter (where is_counted), count(*) from rems.activity_list")[0]
    assert listed[0] == sum(v[0] + v[1] for v in expected.values())
    assert listed[1] == export_file(export, "activity_rems").select(pl.len()).collect().item()
