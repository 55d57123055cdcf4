"""The words a published report uses for where its figures come from, and for counts of things.

A report names its sources for readers ("Source: ACCME PARS data, accredited providers' activity reports, 2022");
the marts' names (`annual_report.enterprise_size`) are lineage, printed only in a report's methods appendix.
`SOURCES` maps a mart to those words; `source(mart, year)` is the line under a table; `plural` counts.

The labels and number formats of mart columns, shared by dashboards, workbooks and PDFs, are in
`reports/labels.py` and `reports/formats.py`.
"""

from __future__ import annotations

PARS = "ACCME PARS data"

SOURCES: dict[str, str] = {
    "annual_report.enterprise_size": "accredited providers' activity reports and program summaries",
    "annual_report.activity_matrix": "accredited providers' activity reports",
    "annual_report.income_by_source": "accredited providers' program summaries and activity reports",
    "annual_report.income_by_organization_type": "accredited providers' program summaries and activity reports",
    "annual_report.commercial_support_by_organization_type": "accredited providers' activity reports",
    "annual_report.designed_and_evaluated_change": "accredited providers' activity reports",
    "annual_report.competencies_addressed": "accredited providers' activity reports",
    "annual_report.other_learners_by_profession": "accredited providers' activity reports",
    "annual_report.provider_quartiles_by_organization_type": "accredited providers' activity reports",
    "annual_report.executive_summary": "accredited providers' activity reports and program summaries",
    "annual_report.year_over_year_changes": "accredited providers' activity reports and program summaries",
    "moc.board_summary": "learner completions reported to the certifying boards",
    "moc.provider_follow_up": "learner completions reported to the certifying boards",
    "moc.provider_reporting_timeliness": "learner completions reported to the certifying boards",
    "rems.summary": "activities with an Opioid Analgesic REMS record",
    "rems.activity_list": "activities with an Opioid Analgesic REMS record",
    "review.accreditation_history": "the provider's accreditation decisions and findings",
    "review.term_profile": "the provider's activity reports in the current term",
    "review.term_activities": "the provider's activity reports in the current term",
    "review.data_completeness_by_provider": "checks of the provider's activity reports",
    "review.data_completeness": "checks of the provider's activity reports",
    "review.pip_sample": "the provider's activity reports in the current term (sample drawn by the warehouse)",
    "review.peer_comparison": "activity reports of the provider and of its peers (same organization type)",
}


def source(mart: str, year: int | None = None) -> str:
    """The source line of a table in words: "ACCME PARS data, accredited providers' activity reports, 2022"."""
    return ", ".join(
        x for x in (PARS, SOURCES.get(mart, "accredited providers' reports"), str(year) if year else "") if x
    )


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 export', '2 exports' (with thousands separators)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
