"""The MOC board report and the Opioid Analgesic REMS report (FDA submission) from the moc and rems marts."""

from __future__ import annotations

from .data import Warehouse
from .tables import Column, Table, with_total
from .wording import plural, source


def _src(mart: str, year: int) -> dict:
    return {"source": source(mart, year), "lineage": mart}


def moc_context(w: Warehouse, year: int) -> dict:
    boards = w.rows("select * from moc.board_summary where report_year = ? order by board", [year])
    t1 = with_total(
        Table(
            "t-boards",
            f"Table 1. Registrations and completions by board, {year}",
            [
                Column("board", "Board", "text"),
                Column("registered_activities", "Registered activities", "int"),
                Column("activities_with_completions", "Activities with completions", "int"),
                Column("completions", "Completions", "int"),
                Column("completions_accepted", "Accepted", "int"),
                Column("completions_rejected", "Rejected", "int"),
                Column("completions_pending", "Pending", "int"),
                Column("late_completions", "Reported late", "int"),
                Column("distinct_learners", "Learners", "int"),
                Column("credits_awarded", "Credits awarded", "num"),
            ],
            boards,
            **_src("moc.board_summary", year),
            wide=True,
            note="Completions by year of completion (any status); late = reported more than 30 days after completion. "
            "The learner total adds the boards' learners (a learner of two boards counts twice).",
        ),
        "board",
    )
    if t1.total:
        pct = {
            r["measure"]: r["percent_change"]
            for r in w.rows(
                "select measure, percent_change from moc.board_summary_changes where report_year = ? "
                "and breakdown = 'All boards'",
                [year],
            )
        }
        row = {k: v for k, v in pct.items() if v is not None and k in t1.total}
        t1.change = {"board": f"Change vs {year - 1}", **row} if row else None
    follow = w.rows(
        "select * from moc.provider_follow_up where report_year = ? "
        "order by board, late_rate + rejection_rate desc, provider_id",
        [year],
    )
    t2 = Table(
        "t-follow-up",
        f"Table 2. Providers that need follow-up, {year}",
        [
            Column("board", "Board", "text"),
            Column("provider_id", "Provider", "code"),
            Column("provider_name", "Name", "text"),
            Column("completions", "Completions", "int"),
            Column("late_completions", "Late", "int"),
            Column("late_rate", "Late rate", "share"),
            Column("completions_rejected", "Rejected", "int"),
            Column("rejection_rate", "Rejection rate", "share"),
            Column("median_days_to_report", "Median days to report", "num1"),
            Column("follow_up_reason", "Reason", "text"),
        ],
        follow,
        **_src("moc.provider_follow_up", year),
        wide=True,
        note="Follow-up: at least 10 completions and over 15% reported late or over 5% rejected.",
    )
    timely = w.rows(
        "select * from moc.provider_reporting_timeliness where report_year = ? order by provider_id, board", [year]
    )
    t3 = Table(
        "t-timeliness",
        f"Table 3. Reporting timeliness by provider and board, {year}",
        [
            Column("provider_id", "Provider", "code"),
            Column("provider_name", "Name", "text"),
            Column("board", "Board", "text"),
            Column("completions", "Completions", "int"),
            Column("completions_accepted", "Accepted", "int"),
            Column("completions_rejected", "Rejected", "int"),
            Column("completions_pending", "Pending", "int"),
            Column("late_rate", "Late rate", "share"),
            Column("rejection_rate", "Rejection rate", "share"),
            Column("median_days_to_report", "Median days", "num1"),
            Column("max_days_to_report", "Max days", "int"),
        ],
        timely,
        **_src("moc.provider_reporting_timeliness", year),
        wide=True,
        small=True,
    )
    n = len({r["provider_id"] for r in follow})
    return {
        "year": year,
        "tables": [t1, t2, t3],
        "follow_up_providers": n,
        "follow_up_text": f"{plural(n, 'provider')} need{'s' if n == 1 else ''} follow-up",
    }


def rems_context(w: Warehouse, year: int) -> dict:
    s = w.one("select * from rems.summary where report_year = ?", [year])
    measures = [
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
    changes = {
        r["measure"]: r
        for r in w.rows(
            "select measure, previous_year_value, percent_change from rems.summary_changes where report_year = ?",
            [year],
        )
    }
    t1 = Table(
        "t-summary",
        f"Table 1. REMS summary, {year}",
        [
            Column("measure", "Measure", "text"),
            Column("value", str(year), "int"),
            Column("previous", str(year - 1), "int"),
            Column("change", f"Change vs {year - 1}", "pct"),
        ],
        [
            {
                "measure": label,
                "value": s[key],
                "previous": changes.get(key, {}).get("previous_year_value"),
                "change": changes.get(key, {}).get("percent_change"),
            }
            for key, label in measures
        ]
        if s
        else [],
        **_src("rems.summary", year),
        wide=True,
        note="Counted activities only (latest version, not deleted, Closed).",
    )
    acts = w.rows("select * from rems.activity_list where report_year = ? order by provider_id, activity_id", [year])
    t2 = Table(
        "t-activities",
        f"Table 2. REMS activity list, {year}",
        [
            Column("activity_id", "Activity", "code"),
            Column("provider_id", "Provider", "code"),
            Column("title", "Title", "text"),
            Column("activity_type", "Type", "text"),
            Column("start_date", "Start", "date"),
            Column("end_date", "End", "date"),
            Column("activity_status", "Status", "text"),
            Column("rems_designation", "Designation", "text"),
            Column("rpc_grant_id", "RPC grant", "code"),
            Column("hours_of_instruction", "Hours", "num1"),
            Column("physician_interactions", "Physicians", "int"),
            Column("other_learner_interactions", "Other learners", "int"),
            Column("prescriber_learners", "Prescribers", "int"),
            Column("dea_registered_learners", "DEA", "int"),
            Column("primary_care_learners", "Primary care", "int"),
            Column("pain_specialist_learners", "Pain spec.", "int"),
            Column("other_specialist_learners", "Other spec.", "int"),
        ],
        acts,
        **_src("rems.activity_list", year),
        wide=True,
        small=True,
        note="Every activity of the year with a REMS record, any status; the summary counts the Closed ones. "
        "Learner columns count interactions. Key: Prescribers = learners who prescribed opioid analgesics in "
        "the last year; DEA = learners registered with the DEA; Primary care = primary care learners; "
        "Pain spec. = pain specialists; Other spec. = other specialists.",
    )
    return {"year": year, "summary": s, "tables": [t1, t2]}
