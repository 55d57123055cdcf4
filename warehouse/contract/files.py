"""The files and columns of a PARS export (spec §2), as data.

The generator writes exactly these columns, the loader validates against them, and the rule names
below are what the quarantine table and `expected.json` use. Precedence (first failing rule wins,
one quarantine row per rejected input row) is documented in docs/loading.md.
"""

from __future__ import annotations

from . import codes
from .countries import COUNTRIES
from .schema import Check, Column, FileSpec, Reference

#: Rule names, as recorded in the quarantine table, with a one-line meaning.


def _c(name: str, type_: str, **kw) -> Column:
    return Column(name, type_, **kw)


_NONNEG = {"min": 0}
_POS = {"min": 0, "min_exclusive": True}
_BOOL = "bool"

PROVIDERS = FileSpec(
    "providers",
    (
        _c("provider_id", "id", key=True),
        _c("provider_name", "text"),
        _c("organization_type", "code", codes=codes.ORGANIZATION_TYPES),
        _c("accreditor_type", "code", codes=codes.ACCREDITOR_TYPES),
        _c("recognized_accreditor", "text", optional=True),
        _c("state", "code", optional=True, codes=codes.US_STATES),
        _c("country", "code", codes=COUNTRIES),
        _c("initial_accreditation_date", "date"),
    ),
    required=True,
    checks=(
        Check(
            "conditionally_required",
            "recognized_accreditor",
            "accreditor_type = 'State' and recognized_accreditor is null",
        ),
        Check("conditionally_required", "state", "country = 'USA' and state is null"),
    ),
)

ACCREDITATION_DECISIONS = FileSpec(
    "accreditation_decisions",
    (
        _c("decision_id", "id", key=True),
        _c("provider_id", "id"),
        _c("decision_date", "date"),
        _c("decision_type", "code", codes=codes.DECISION_TYPES),
        _c("status", "code", codes=codes.ACCREDITATION_STATUSES),
        _c("term_start_date", "date", optional=True),
        _c("term_end_date", "date", optional=True),
        _c("progress_report_due_date", "date", optional=True),
    ),
    checks=(
        Check(
            "conditionally_required",
            "term_start_date",
            "status <> 'Nonaccreditation' and term_start_date is null",
        ),
        Check(
            "conditionally_required",
            "term_end_date",
            "status <> 'Nonaccreditation' and term_end_date is null",
        ),
        Check("date_order", "term_end_date", "term_end_date <= term_start_date"),
        Check(
            "term_length",
            "term_end_date",
            "not (abs(datediff('day', term_start_date, term_end_date) - 730.5) <= 31"
            " or abs(datediff('day', term_start_date, term_end_date) - 1461) <= 31"
            " or abs(datediff('day', term_start_date, term_end_date) - 2191.5) <= 31)",
        ),
    ),
    references=(Reference(("provider_id",), "providers", ("provider_id",)),),
)

DECISION_FINDINGS = FileSpec(
    "decision_findings",
    (
        _c("decision_id", "id", key=True),
        _c("criterion", "code", key=True, codes=codes.CRITERIA),
        _c("finding", "code", codes=codes.FINDINGS),
    ),
    references=(Reference(("decision_id",), "accreditation_decisions", ("decision_id",)),),
)

PROGRAM_SUMMARIES = FileSpec(
    "program_summaries",
    (
        _c("provider_id", "id", key=True),
        _c("reporting_year", "year", key=True),
        _c("advertising_exhibit_income", "money", **_NONNEG),
        _c("registration_fees", "money", **_NONNEG),
        _c("government_grants", "money", **_NONNEG),
        _c("private_donations", "money", **_NONNEG),
        _c("other_income", "money", optional=True, **_NONNEG),
        _c("total_expenses", "money", optional=True, **_NONNEG),
        _c("submitted_date", "date"),
    ),
    checks=(
        Check(
            "only_before_2015",
            "other_income",
            f"other_income is not null and reporting_year > {codes.LEGACY_INCOME_LAST_YEAR}",
        ),
        Check(
            "only_before_2015",
            "total_expenses",
            f"total_expenses is not null and reporting_year > {codes.LEGACY_INCOME_LAST_YEAR}",
        ),
    ),
    references=(Reference(("provider_id",), "providers", ("provider_id",)),),
    year_via="reporting_year",
)

_ENDURING = ", ".join(f"'{t}'" for t in codes.ENDURING_TYPES)
ACTIVITIES = FileSpec(
    "activities",
    (
        _c("activity_id", "id", key=True),
        _c("provider_id", "id"),
        _c("provider_activity_id", "id"),
        _c("reporting_year", "year"),
        _c("title", "text"),
        _c("activity_type", "code", codes=codes.ACTIVITY_TYPES),
        _c("start_date", "date"),
        _c("end_date", "date"),
        _c("city", "text", optional=True),
        _c("state", "code", optional=True, codes=codes.US_STATES),
        _c("country", "code", optional=True, codes=COUNTRIES),
        _c("providership", "code", codes=codes.PROVIDERSHIP),
        _c("hours_of_instruction", "decimal", **_NONNEG),
        _c("physician_learners", "int", **_NONNEG),
        _c("other_learners", "int", **_NONNEG),
        _c("ama_pra_category1_credits", "decimal", optional=True, **_NONNEG),
        _c("commercial_support_received", _BOOL),
        _c("designed_to_change_competence", _BOOL),
        _c("designed_to_change_performance", _BOOL),
        _c("designed_to_change_patient_outcomes", _BOOL),
        _c("evaluated_change_competence", _BOOL),
        _c("evaluated_change_performance", _BOOL),
        _c("evaluated_change_patient_outcomes", _BOOL),
        _c("competencies", "list", optional=True, codes=codes.COMPETENCIES),
        _c("status", "code", codes=codes.ACTIVITY_STATUSES),
        _c("closed_date", "date", optional=True),
    ),
    required=True,
    checks=(
        Check(
            "code_not_in_year",
            "activity_type",
            f"activity_type = 'OTH' and reporting_year < {codes.OTH_FIRST_YEAR}",
        ),
        Check("date_order", "end_date", "end_date < start_date"),
        Check("max_span", "end_date", "activity_type = 'RSS' and end_date > start_date + interval 12 month"),
        Check(
            "max_span",
            "end_date",
            f"activity_type in ({_ENDURING}) and end_date > start_date + interval 3 year",
        ),
        Check("conditionally_required", "city", "activity_type in ('C', 'RSS') and city is null"),
        Check("conditionally_required", "country", "activity_type in ('C', 'RSS') and country is null"),
        Check(
            "conditionally_required",
            "state",
            "activity_type in ('C', 'RSS') and country = 'USA' and state is null",
        ),
        Check("conditionally_required", "closed_date", "status = 'Closed' and closed_date is null"),
    ),
    references=(Reference(("provider_id",), "providers", ("provider_id",)),),
    unique=(("provider_id", "provider_activity_id"),),
    year_via="reporting_year",
)

_ACTIVITY_REF = (Reference(("activity_id",), "activities", ("activity_id",)),)

ACTIVITY_COMMERCIAL_SUPPORTERS = FileSpec(
    "activity_commercial_supporters",
    (
        _c("activity_id", "id", key=True),
        _c("supporter_name", "text", key=True),
        _c("monetary_amount", "money", optional=True, **_POS),
        _c("in_kind", _BOOL),
        _c("in_kind_nature", "list", optional=True, codes=codes.IN_KIND_NATURES),
    ),
    checks=(
        Check("conditionally_required", "in_kind_nature", "in_kind and in_kind_nature is null"),
        Check("supporter_without_support", "monetary_amount", "monetary_amount is null and not in_kind"),
    ),
    references=_ACTIVITY_REF,
    year_via="activity",
)

ACTIVITY_JOINT_PROVIDERS = FileSpec(
    "activity_joint_providers",
    (
        _c("activity_id", "id", key=True),
        _c("joint_provider_name", "text", key=True),
    ),
    references=_ACTIVITY_REF,
    year_via="activity",
)

_BOARD_CREDIT_SQL = " or ".join(
    f"(board = '{board}' and not list_has_all({list(types)}, credit_types))"
    for board, types in codes.CREDIT_TYPES_BY_BOARD.items()
)
ACTIVITY_MOC_REGISTRATIONS = FileSpec(
    "activity_moc_registrations",
    (
        _c("activity_id", "id", key=True),
        _c("board", "code", key=True, codes=codes.BOARDS),
        _c("credit_types", "list", codes=codes.CREDIT_TYPES),
        _c("moc_credits", "decimal", **_POS),
        _c("practice_areas", "list", optional=True),
        _c("registered_date", "date"),
    ),
    checks=(Check("credit_type_for_board", "credit_types", _BOARD_CREDIT_SQL),),
    references=_ACTIVITY_REF,
    year_via="activity",
)

ACTIVITY_REMS = FileSpec(
    "activity_rems",
    (
        _c("activity_id", "id", key=True),
        _c("rems_designation", "code", codes=codes.REMS_DESIGNATIONS),
        _c("rpc_grant_id", "id", optional=True),
        _c("prescriber_learners", "int", **_NONNEG),
        _c("dea_registered_learners", "int", **_NONNEG),
        _c("primary_care_learners", "int", **_NONNEG),
        _c("pain_specialist_learners", "int", **_NONNEG),
        _c("other_specialist_learners", "int", **_NONNEG),
    ),
    checks=(
        Check(
            "dea_exceeds_prescribers",
            "dea_registered_learners",
            "dea_registered_learners > prescriber_learners",
        ),
    ),
    references=_ACTIVITY_REF,
    year_via="activity",
)

ACTIVITY_LEARNER_PROFESSIONS = FileSpec(
    "activity_learner_professions",
    (
        _c("activity_id", "id", key=True),
        _c("profession", "code", key=True, codes=codes.PROFESSIONS),
        _c("learner_count", "int", **_NONNEG),
    ),
    references=_ACTIVITY_REF,
    year_via="activity",
)

_CREDIT_TYPE_SQL = " or ".join(
    f"(board = '{board}' and credit_type not in ({', '.join(repr(t) for t in types)}))"
    for board, types in codes.CREDIT_TYPES_BY_BOARD.items()
)
LEARNER_COMPLETIONS = FileSpec(
    "learner_completions",
    (
        _c("completion_id", "id", key=True),
        _c("activity_id", "id"),
        _c("board", "code", codes=codes.BOARDS),
        _c("learner_board_id", "id"),
        _c("first_name", "text"),
        _c("last_name", "text"),
        _c("birth_month", "int", min=1, max=12),
        _c("birth_day", "int", min=1, max=31),
        _c("completion_date", "date"),
        _c("credit_type", "code", codes=codes.CREDIT_TYPES),
        _c("credits", "decimal", **_POS),
        _c("reported_date", "date"),
        _c("status", "code", codes=codes.COMPLETION_STATUSES),
        _c("rejection_reason", "text", optional=True),
    ),
    checks=(
        Check(
            "invalid_birth_day",
            "birth_day",
            "birth_day > case when birth_month = 2 then 29 when birth_month in (4, 6, 9, 11) then 30 else 31 end",
        ),
        Check("credit_type_for_board", "credit_type", _CREDIT_TYPE_SQL),
        Check("date_order", "reported_date", "reported_date < completion_date"),
        Check("conditionally_required", "rejection_reason", "status = 'Rejected' and rejection_reason is null"),
    ),
    references=(
        Reference(("activity_id",), "activities", ("activity_id",)),
        Reference(("activity_id", "board"), "activity_moc_registrations", ("activity_id", "board")),
    ),
    year_via="activity",
    contains_personal_data=True,
)

#: Files in load order: every parent before its children.
FILES: tuple[FileSpec, ...] = (
    PROVIDERS,
    ACCREDITATION_DECISIONS,
    DECISION_FINDINGS,
    PROGRAM_SUMMARIES,
    ACTIVITIES,
    ACTIVITY_COMMERCIAL_SUPPORTERS,
    ACTIVITY_JOINT_PROVIDERS,
    ACTIVITY_MOC_REGISTRATIONS,
    ACTIVITY_REMS,
    ACTIVITY_LEARNER_PROFESSIONS,
    LEARNER_COMPLETIONS,
)
FILES_BY_NAME: dict[str, FileSpec] = {f.name: f for f in FILES}

#: Text columns whose values are neutralized when they look like spreadsheet formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Sidecar files that may sit in an export directory but are not part of it.
SIDECAR_FILES = frozenset({"expected.json"})

#: The checks that need another file's rows; they run after references resolve (docs/loading.md).
CROSS_FILE_CHECKS: dict[str, tuple[str, str, str]] = {
    # file: (rule, column, violation SQL over the row `t` and its activity `a`)
    "activity_learner_professions": (
        "code_not_in_year",
        "profession",
        f"a.reporting_year < {codes.PROFESSIONS_FIRST_YEAR}",
    ),
    "learner_completions": (
        "completion_window",
        "completion_date",
        "t.completion_date < a.start_date or t.completion_date > a.end_date + interval 1 year",
    ),
}
