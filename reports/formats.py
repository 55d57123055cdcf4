"""How the marts' values print: one number formatter for dashboards, workbooks and PDFs, so a figure reads the same
on every surface.

FORMATS maps a mart column to a format kind: integer, dollars, hours, percent (a share 0..1), change (a percent
change, signed), decimal, days (whole days), date, list (a list of codes, shown comma-separated in natural order)
or year; a column not in it is text.

The helpers: `kind(column)`, `format_value(value, kind)` (text as a page shows it), `list_text` (a list as
"C1, C2, C10"), `is_list`, `EXCEL` (kind -> Excel number format) and the PDF tables' kinds (`TABLE_KINDS`,
`PDF_KINDS`, `pdf_kind`). The words for the columns are the other half of the table, reports/labels.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

FORMATS: dict[str, str] = {
    **dict.fromkeys(
        [
            "activities",
            "providers_reporting",
            "providers_accredited",
            "physician_interactions",
            "other_learner_interactions",
            "total_interactions",
            "activities_with_commercial_support",
            "registered_activities",
            "activities_with_completions",
            "completions",
            "completions_accepted",
            "completions_rejected",
            "completions_pending",
            "distinct_learners",
            "late_completions",
            "max_days_to_report",
            "rems_activities",
            "compliant_activities",
            "related_activities",
            "rpc_funded_activities",
            "rems_providers",
            "prescriber_learners",
            "dea_registered_learners",
            "primary_care_learners",
            "pain_specialist_learners",
            "other_specialist_learners",
            "days_until_term_end",
            "decisions",
            "decisions_in_term",
            "term_length_years",
            "term_decision_noncompliance_findings",
            "term_decision_commendation_criteria_met",
            "findings",
            "compliance_findings",
            "noncompliance_findings",
            "not_applicable_findings",
            "core_noncompliance_findings",
            "standards_noncompliance_findings",
            "commendation_criteria_met",
            "activities_not_closed",
            "jointly_provided_activities",
            "commercially_supported_activities",
            "moc_registered_activities",
            "activities_flagged",
            "affected_records",
            "stratum_activities",
            "term_activities",
            "peer_providers",
            "quarantined_rows",
            "columns_involved",
            "providers_checked",
            "providers_flagged",
            "decision_sequence",
            "sample_position",
            "stratum_position",
            "new_values_covered",
            "first_line",
            "last_line",
            "line_number",
        ],
        "integer",
    ),
    **dict.fromkeys(
        [
            "commercial_support_income",
            "advertising_exhibit_income",
            "registration_fees",
            "government_grants",
            "private_donations",
            "other_income",
            "total_income",
        ],
        "dollars",
    ),
    **dict.fromkeys(["hours_of_instruction", "ama_pra_category1_credits"], "hours"),
    "credits_awarded": "decimal",  # quarter credits: two decimals
    **dict.fromkeys(["late_rate", "rejection_rate", "share_of_providers_flagged"], "percent"),
    "median_days_to_report": "days",  # a median of whole days: "159", not "159.00"
    **dict.fromkeys(["load_seconds", "provider_value", "peer_p25", "peer_median", "peer_p75"], "decimal"),
    **dict.fromkeys(
        [
            "data_as_of_date",
            "start_date",
            "end_date",
            "initial_accreditation_date",
            "term_start_date",
            "term_end_date",
            "term_decision_date",
            "latest_decision_date",
            "progress_report_due_date",
            "decision_date",
            "status_valid_from",
            "status_valid_to",
        ],
        "date",
    ),
    **dict.fromkeys(
        [
            "compliant_criteria",
            "noncompliant_criteria",
            "not_applicable_criteria",
            "term_decision_noncompliant_criteria",
            "reporting_years",
        ],
        "list",
    ),
    **dict.fromkeys(["report_year", "load_id"], "year"),  # an identifier-like number: no thousands separator
}

#: decimals of a percent on every surface (12.3%, 100.0%): the dashboards' grids too (dashboards/ui.py)
PERCENT_DECIMALS = 1

#: format kind -> Excel number format (the kinds without one are written as text or left to Excel)
EXCEL: dict[str, str] = {
    "integer": "#,##0",
    "dollars": '"$"#,##0',
    "hours": "#,##0.0",
    "percent": "0.0%",
    "decimal": "#,##0.00",
    "days": "#,##0",
    "date": "yyyy-mm-dd",
    "year": "0",
    "change": '+0.0"%";-0.0"%";0.0"%"',  # a percent change, already x100: +4.3%
}


def kind(column: str) -> str:
    """The format kind of a column ("text" when the table does not know it)."""
    return FORMATS.get(column, "text")


def _natural(text: str) -> list:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def list_text(values) -> str:
    """A list (or array, or set) as comma-separated text in natural order: "C1, C2, C10, SII1"; "" when empty."""
    if values is None:
        return ""
    items = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return ", ".join(str(v) for v in sorted(items, key=lambda v: _natural(str(v))))


def is_list(value) -> bool:
    """A list-like cell (list, tuple, set or numpy array), not text."""
    return isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ == "ndarray"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or str(value) in ("NaT", "<NA>")
    except (TypeError, ValueError):
        return False


def format_value(value, kind: str = "integer") -> str:
    """A value as text, the same in every surface: 1,230,520 · $1,230,520 · 1,234.5 · 12.3% · 2022-01-31."""
    if is_list(value):
        return list_text(value) or "–"
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "date":
        return value.isoformat()[:10] if isinstance(value, (dt.date, dt.datetime)) else str(value)[:10]
    if kind not in EXCEL or isinstance(value, str):
        return str(value)
    number = float(value) if isinstance(value, Decimal) else value
    if kind in ("integer", "days"):
        return f"{int(round(float(number))):,}"
    if kind == "dollars":
        sign = "-" if float(number) < 0 else ""
        return f"{sign}${abs(float(number)):,.0f}"
    if kind == "hours":
        return f"{float(number):,.1f}"
    if kind == "percent":
        return f"{100 * float(number):.{PERCENT_DECIMALS}f}%"
    if kind == "decimal":
        return f"{float(number):,.2f}"
    if kind == "year":
        return str(int(number))
    if kind == "change":
        return f"{float(number):+.1f}%"
    return str(value)


#: The PDF tables' kinds (reports/tables.py `Column.kind`) and the kinds of this module they are formatted as: one
#: formatter (`format_value`) for the reports, the workbooks and the dashboards.
TABLE_KINDS: dict[str, str] = {
    "int": "integer",
    "num": "decimal",
    "num1": "hours",
    "money": "dollars",
    "share": "percent",
    "pct": "change",
    "date": "date",
    "list": "list",
    "bool": "bool",
}

#: this module's kinds -> the PDF tables' kinds (a year is printed as text: no thousands separator)
PDF_KINDS: dict[str, str] = {**{v: k for k, v in TABLE_KINDS.items()}, "year": "text", "text": "text", "days": "int"}


def pdf_kind(column: str) -> str:
    """The PDF table format of a mart column (or measure name): hours to 0.1, counts as integers, ..."""
    return PDF_KINDS[kind(column)]
