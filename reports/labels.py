"""The words people see for the marts' columns: one table for dashboards, workbooks and PDFs, so every surface calls
a column the same.

LABELS maps a mart column to its label ("report_year" -> "Reporting year"). A column not in it keeps a readable
version of its name (underscores become spaces, first letter capitalized), so a new column is never shown raw.

The helpers: `label(column)` and `labelled(frame)` (a pandas frame with labels for column names, lists as text).
How the columns' values print is the other half of the table, reports/formats.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from .formats import is_list, list_text

LABELS: dict[str, str] = {
    # time and identity
    "report_year": "Reporting year",
    "provider_id": "Provider number",
    "provider_name": "Provider",
    "provider_activity_id": "Provider's activity number",
    "activity_id": "Activity number",
    "title": "Activity title",
    "organization_type": "Organization type",
    "accreditor_type": "Accreditor type",
    "accreditor_group": "Accreditor",
    "recognized_accreditor": "Recognized accreditor",
    "state": "State",
    "census_region": "Census region",
    "activity_type": "Activity type",
    "activity_type_name": "Activity type name",
    "activity_status": "Activity status",
    "board": "Board",
    "measure": "Measure",
    "data_as_of_date": "Data as of",
    "start_date": "Start date",
    "end_date": "End date",
    # annual report
    "activities": "Activities",
    "providers_reporting": "Providers reporting",
    "providers_accredited": "Providers accredited",
    "hours_of_instruction": "Hours of instruction",
    "physician_interactions": "Physician interactions",
    "other_learner_interactions": "Other learner interactions",
    "total_interactions": "Total interactions",
    "activities_with_commercial_support": "Activities with commercial support",
    "commercial_support_income": "Commercial support income",
    "advertising_exhibit_income": "Advertising and exhibit income",
    "registration_fees": "Registration fees",
    "government_grants": "Government grants",
    "private_donations": "Private donations",
    "other_income": "Other income",
    "total_income": "Total income",
    "previous_year_value": "Previous year",
    "value": "Value",
    "absolute_change": "Change",
    "percent_change": "Change (%)",
    # MOC
    "registered_activities": "Registered activities",
    "activities_with_completions": "Activities with completions",
    "completions": "Completions",
    "completions_accepted": "Accepted",
    "completions_rejected": "Rejected",
    "completions_pending": "Pending",
    "distinct_learners": "Distinct learners",
    "credits_awarded": "Credits awarded",
    "late_completions": "Late completions",
    "late_rate": "Late rate",
    "rejection_rate": "Rejection rate",
    "median_days_to_report": "Median days to report",
    "max_days_to_report": "Longest days to report",
    # REMS
    "rems_activities": "REMS activities",
    "compliant_activities": "Compliant activities",
    "related_activities": "Related activities",
    "rpc_funded_activities": "RPC-funded activities",
    "rems_providers": "REMS providers",
    "prescriber_learners": "Prescriber learners",
    "dea_registered_learners": "DEA-registered learners",
    "primary_care_learners": "Primary care learners",
    "pain_specialist_learners": "Pain specialist learners",
    "other_specialist_learners": "Other specialist learners",
    "is_counted": "Counted",
    "rems_designation": "REMS designation",
    "rpc_grant_id": "RPC grant",
    "is_rpc_funded": "RPC funded",
    "ama_pra_category1_credits": "AMA PRA Category 1 credits",
    "is_designed_to_change_competence": "Designed to change competence",
    "is_designed_to_change_performance": "Designed to change performance",
    "is_designed_to_change_patient_outcomes": "Designed to change patient outcomes",
    "is_evaluated_change_competence": "Evaluated change in competence",
    "is_evaluated_change_performance": "Evaluated change in performance",
    "is_evaluated_change_patient_outcomes": "Evaluated change in patient outcomes",
    # review
    "initial_accreditation_date": "Initially accredited",
    "current_accreditation_status": "Accreditation status",
    "accreditation_status": "Accreditation status",
    "is_currently_accredited": "Currently accredited",
    "term_start_date": "Term start",
    "term_end_date": "Term end",
    "term_length_years": "Term length (years)",
    "days_until_term_end": "Days left (as of the data)",
    "term_decision_id": "Term decision",
    "term_decision_date": "Term decision date",
    "term_decision_type": "Term decision type",
    "term_decision_status": "Term decision status",
    "term_decision_noncompliance_findings": "Noncompliance findings (term decision)",
    "term_decision_noncompliant_criteria": "Noncompliant criteria (term decision)",
    "term_decision_commendation_criteria_met": "Commendation criteria met (term decision)",
    "decisions_in_term": "Decisions in term",
    "latest_decision_date": "Latest decision date",
    "latest_decision_type": "Latest decision type",
    "progress_report_due_date": "Progress report due",
    "decisions": "Decisions",
    "has_been_on_probation": "Ever on probation",
    "has_earned_commendation": "Earned commendation",
    "decision_id": "Decision",
    "decision_sequence": "Decision no.",
    "decision_date": "Decision date",
    "decision_type": "Decision type",
    "status_valid_from": "Status valid from",
    "status_valid_to": "Status valid to",
    "is_latest_decision": "Latest decision",
    "is_in_current_term": "In current term",
    "findings": "Findings",
    "compliance_findings": "Compliance findings",
    "noncompliance_findings": "Noncompliance findings",
    "not_applicable_findings": "Not applicable findings",
    "core_noncompliance_findings": "Core noncompliance findings",
    "standards_noncompliance_findings": "Standards noncompliance findings",
    "commendation_criteria_met": "Commendation criteria met",
    "compliant_criteria": "Compliant criteria",
    "noncompliant_criteria": "Noncompliant criteria",
    "not_applicable_criteria": "Not applicable criteria",
    "activities_not_closed": "Activities not closed",
    "jointly_provided_activities": "Jointly provided activities",
    "commercially_supported_activities": "Commercially supported activities",
    "moc_registered_activities": "MOC-registered activities",
    "rule_code": "Rule",
    "rule_description": "What is missing or wrong",
    "severity": "Severity",
    "activities_flagged": "Activities flagged",
    "affected_records": "Affected records",
    "message": "Message",
    "sample_position": "Sample no.",
    "is_jointly_provided": "Jointly provided",
    "has_commercial_support": "Commercial support",
    "is_moc_registered": "MOC registered",
    "stratum_key": "Stratum",
    "stratum_position": "Position in stratum",
    "stratum_activities": "Activities in stratum",
    "term_activities": "Activities in term",
    "new_values_covered": "New values covered",
    "selection_reason": "Why selected",
    "is_reporting": "Reporting",
    "provider_value": "Provider's value",
    "peer_providers": "Peer providers",
    "peer_p25": "Peers: 25th percentile",
    "peer_median": "Peers: median",
    "peer_p75": "Peers: 75th percentile",
    "position_among_peers": "Position among peers",
    # data operations
    "load_id": "Load",
    "export_id": "Export",
    "export_kind": "Export kind",
    "exported_at": "Exported at",
    "reporting_years": "Reporting years",
    "loaded_at": "Loaded at",
    "load_seconds": "Load time (s)",
    "source_path": "Source folder",
    "file_name": "File",
    "rule_name": "Rule",
    "quarantined_rows": "Quarantined rows",
    "columns_involved": "Columns involved",
    "first_line": "First line",
    "last_line": "Last line",
    "line_number": "Line",
    "column_name": "Column",
    "raw_value": "Value as sent",
    "providers_checked": "Providers checked",
    "providers_flagged": "Providers flagged",
    "share_of_providers_flagged": "Share of providers flagged",
}


#: the peer comparison's positions (review.peer_comparison.position_among_peers) in words
POSITIONS: dict[str, str] = {
    "above p75": "above the peers' 75th percentile",
    "median to p75": "between the peers' median and 75th percentile",
    "p25 to median": "between the peers' 25th percentile and median",
    "below p25": "below the peers' 25th percentile",
}


def label(column: str) -> str:
    """The label of a mart column; an unknown column's name made readable ("late_rate" -> "Late rate")."""
    if column in LABELS:
        return LABELS[column]
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def labelled(frame, columns: Iterable[str] | None = None):
    """A copy of a pandas frame with lists as text, its columns in the given order first and labels as names."""
    out = frame.copy()
    if columns:
        first = [c for c in columns if c in out.columns]
        out = out[first + [c for c in out.columns if c not in first]]
    for column in out.columns:
        if out[column].dtype == object and out[column].map(is_list).any():
            out[column] = out[column].map(lambda v: list_text(v) if is_list(v) else v)
    return out.rename(columns={c: label(c) for c in out.columns})
