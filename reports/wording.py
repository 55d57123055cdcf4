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


def long_date(value) -> str:
    """A date as people write it: "15 April 2024" ("" when missing)."""
    if value is None or str(value) in ("NaT", "<NA>", "nan"):
        return ""
    if not hasattr(value, "strftime"):
        return str(value)
    return f"{value:%-d %B %Y}"


def days_left_label(as_of) -> str:
    """The label of a term's days left: counted by the marts from the data's date (the newest export), not today."""
    return f"Days until term end (as of the data, {long_date(as_of)})"


def term_end_note(term_end, as_of, today, today_words: str = "today is") -> str:
    """A sentence for a term whose end date has passed by `today` ("" when it has not, or there is no term): the
    days left are counted from the data's date, so a term that ended since still shows days left. `today_words`
    names today where it is printed ("this packet was made on")."""
    if term_end is None or str(term_end) in ("NaT", "<NA>", "nan"):
        return ""
    end, today = _day(term_end), _day(today)
    if end >= today:
        return ""
    when = "before" if end < _day(as_of) else "after"
    return (
        f"The term ended on {end.isoformat()}, {when} the date of the data ({long_date(as_of)}); {today_words} "
        f"{long_date(today)}. A decision made since then is not in these data."
    )


def _day(value):
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


#: what the PIP sample's "Why selected" means, in one line
PIP_REASONS = (
    "Why selected: coverage: picked because it adds an activity type, joint or direct providership, commercial "
    "support or MOC registration not yet in the sample; round robin: once those are covered, the next activity "
    "of the group (stratum) picked least so far. The same data always give the same sample."
)


def years_note(term_start, years: list[int]) -> str:
    """A sentence when a term starts before the reporting years the warehouse holds ("" otherwise)."""
    if not years or term_start is None or str(term_start) in ("NaT", "<NA>", "nan"):
        return ""
    first, last = min(years), max(years)
    start = _day(term_start)
    if start.year >= first:
        return ""
    return (
        f"The data cover reporting years {first} to {last}: the term began on {start.isoformat()}, so its years "
        f"before {first} are not shown."
    )
