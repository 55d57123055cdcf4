"""The MOC board report and the Opioid Analgesic REMS report (FDA submission) from the moc and rems marts.

The tables are specs (reports/tables.py `TableSpec`): the Data Report reads the board summary and the REMS summary
through the same ones (reports/annual/tables.py)."""

from __future__ import annotations

from .columns import (
    ACTIVITY,
    DESIGNATION,
    LATE_RATE,
    OTHER_LEARNERS,
    PHYSICIANS,
    PROVIDER,
    PROVIDER_NAME,
    REJECTION_RATE,
    STATUS,
    TITLE,
)
from .data import Warehouse
from .tables import Column, Table, TableSpec, change_row, col, with_total
from .wording import plural, source

#: Rows of a long list (the follow-up and timeliness tables, the REMS activity list) shown in the PDF; the workbook
#: and the CSV files keep every row. At national scale the timeliness table has about 19,000 provider-board rows:
#: printed whole it made a PDF of hundreds of pages, and WeasyPrint's layout of it went over the memory cap.
PDF_LIST_LIMIT = 250

BOARD_SUMMARY = TableSpec(
    "moc.board_summary",
    "select * from {mart} where report_year = ? order by board",
    (
        col("board"),
        col("registered_activities"),
        col("activities_with_completions"),
        col("completions"),
        col("completions_accepted"),
        col("completions_rejected"),
        col("completions_pending"),
        col("late_completions", "Reported late"),
        col("distinct_learners", "Learners"),
        col("credits_awarded"),
    ),
    wide=True,
    note="Completions by year of completion (any status); late = reported more than 30 days after completion. "
    "The learner total adds the boards' learners (a learner of two boards counts twice).",
)
FOLLOW_UP = TableSpec(
    "moc.provider_follow_up",
    # the most urgent first, whatever the board: a long list's PDF shows its first rows (PDF_LIST_LIMIT)
    "select * from {mart} where report_year = ? order by late_rate + rejection_rate desc, board, provider_id",
    (
        col("board"),
        PROVIDER,
        PROVIDER_NAME,
        col("completions"),
        col("late_completions", "Late"),
        LATE_RATE,
        col("completions_rejected", "Rejected"),
        REJECTION_RATE,
        col("median_days_to_report", "Median days to report", "num1"),
        col("follow_up_reason", "Reason"),
    ),
    wide=True,
    note="Follow-up: at least 10 completions and over 15% reported late or over 5% rejected.",
)
TIMELINESS = TableSpec(
    "moc.provider_reporting_timeliness",
    "select * from {mart} where report_year = ? order by provider_id, board",
    (
        PROVIDER,
        PROVIDER_NAME,
        col("board"),
        col("completions"),
        col("completions_accepted"),
        col("completions_rejected"),
        col("completions_pending"),
        LATE_RATE,
        REJECTION_RATE,
        col("median_days_to_report", "Median days", "num1"),
        col("max_days_to_report", "Max days"),
    ),
    wide=True,
    small=True,
)
REMS_ACTIVITIES = TableSpec(
    "rems.activity_list",
    "select * from {mart} where report_year = ? order by provider_id, activity_id",
    (
        ACTIVITY,
        PROVIDER,
        TITLE,
        col("activity_type", "Type"),
        col("start_date", "Start"),
        col("end_date", "End"),
        STATUS,
        DESIGNATION,
        col("rpc_grant_id", "RPC grant", "code"),
        col("hours_of_instruction", "Hours"),
        PHYSICIANS,
        OTHER_LEARNERS,
        col("prescriber_learners", "Prescribers"),
        col("dea_registered_learners", "DEA"),
        col("primary_care_learners", "Primary care"),
        col("pain_specialist_learners", "Pain spec."),
        col("other_specialist_learners", "Other spec."),
    ),
    wide=True,
    small=True,
    note="Every activity of the year with a REMS record, any status; the summary counts the Closed ones. "
    "Learner columns count interactions. Key: Prescribers = learners who prescribed opioid analgesics in "
    "the last year; DEA = learners registered with the DEA; Primary care = primary care learners; "
    "Pain spec. = pain specialists; Other spec. = other specialists.",
)

#: the REMS report's summary measures and their labels
REMS_MEASURES = [
    ("rems_activities", "REMS activities (counted)"),
    ("compliant_activities", "REMS-compliant activities"),
    ("related_activities", "REMS-related activities"),
    ("rpc_funded_activities", "Funded by the REMS Program Companies"),
    ("rems_providers", "Providers"),
    ("physician_interactions", "Physician learners"),
    ("other_learner_interactions", "Other learners"),
    ("prescriber_learners", "Learners who prescribed opioid analgesics in the last year"),
    ("dea_registered_learners", "Learners registered with the DEA"),
    ("primary_care_learners", "Primary care learners"),
    ("pain_specialist_learners", "Pain specialists"),
    ("other_specialist_learners", "Other specialists"),
]


def moc_changes(w: Warehouse, year: int) -> dict[str, float | None]:
    """Percent change against the previous year of each measure of the boards' total (moc.board_summary_changes)."""
    return {
        r["measure"]: r["percent_change"]
        for r in w.rows(
            "select measure, percent_change from moc.board_summary_changes where report_year = ? "
            "and breakdown = 'All boards'",
            [year],
        )
    }


def board_table(w: Warehouse, year: int, spec: TableSpec, id: str, title: str) -> Table:
    """The boards of the year (a spec of moc.board_summary) with their total and its change against last year."""
    t = with_total(spec.read(w, [year], id, title, source(spec.mart, year)), "board")
    if t.total:
        t.change = change_row("board", year, moc_changes(w, year), {c.key: c.key for c in t.columns[1:]})
    return t


def rems_columns(year: int) -> list[Column]:
    """The REMS summary's columns: the measure, its value, last year's and the percent change."""
    return [
        col("measure"),
        Column("value", str(year), "int"),
        Column("previous", str(year - 1), "int"),
        Column("change", f"Change vs {year - 1}", "pct"),
    ]


def rems_summary(w: Warehouse, year: int, measures: list[tuple[str, str]]) -> tuple[dict | None, list[dict]]:
    """rems.summary's row of the year, and its measures as rows (label, value, previous year's, percent change)."""
    s = w.one("select * from rems.summary where report_year = ?", [year])
    if s is None:  # a year without data: its "No data" section
        return None, []
    changes = {
        r["measure"]: r
        for r in w.rows(
            "select measure, previous_year_value, percent_change from rems.summary_changes where report_year = ?",
            [year],
        )
    }
    rows = [
        {
            "measure": label,
            "value": s[key],
            "previous": changes.get(key, {}).get("previous_year_value"),
            "change": changes.get(key, {}).get("percent_change"),
        }
        for key, label in measures
    ]
    return s, rows


def moc_context(w: Warehouse, year: int) -> dict:
    t1 = board_table(w, year, BOARD_SUMMARY, "t-boards", f"Table 1. Registrations and completions by board, {year}")
    t2 = FOLLOW_UP.read(
        w, [year], "t-follow-up", f"Table 2. Providers that need follow-up, {year}", source(FOLLOW_UP.mart, year)
    )
    t3 = TIMELINESS.read(
        w,
        [year],
        "t-timeliness",
        f"Table 3. Reporting timeliness by provider and board, {year}",
        source(TIMELINESS.mart, year),
    )
    n = len({r["provider_id"] for r in t2.rows})
    t2.pdf_limit = t3.pdf_limit = PDF_LIST_LIMIT
    return {
        "year": year,
        "tables": [t1, t2, t3],
        "follow_up_providers": n,
        "follow_up_text": f"{plural(n, 'provider')} need{'s' if n == 1 else ''} follow-up",
    }


def rems_context(w: Warehouse, year: int) -> dict:
    s, rows = rems_summary(w, year, REMS_MEASURES)
    t1 = Table(
        "t-summary",
        f"Table 1. REMS summary, {year}",
        rems_columns(year),
        rows,
        source=source("rems.summary", year),
        lineage="rems.summary",
        wide=True,
        note="Counted activities only (latest version, not deleted, Closed).",
    )
    t2 = REMS_ACTIVITIES.read(
        w, [year], "t-activities", f"Table 2. REMS activity list, {year}", source(REMS_ACTIVITIES.mart, year)
    )
    t2.pdf_limit = PDF_LIST_LIMIT
    return {"year": year, "summary": s, "tables": [t1, t2]}
