"""The defect kinds of the provider files: providers, accreditation decisions, decision findings, program summaries."""

from __future__ import annotations

import polars as pl

from warehouse.contract import codes

from .defect_base import BAD_DATES, OUT_DATES, Kind, _bad_year, _common, bad_id, expr, is_, put, shift, unknown_ref

_STATE = lambda ctx: pl.col("accreditor_type") == "State"  # noqa: E731
_year_ge_2015 = lambda ctx: ctx.year > codes.LEGACY_INCOME_LAST_YEAR  # noqa: E731

PROVIDER_KINDS: dict[str, list[Kind]] = {
    "providers": _common(expr(provider_name=pl.col("provider_name") + " Inc."))
    + [
        Kind("required", "required", put("provider_name", None, "  ")),
        Kind("id_format", "id_format", bad_id("provider_id"), inplace=False),
        Kind("invalid_date", "invalid_date", put("initial_accreditation_date", *BAD_DATES)),
        Kind("date_out_of_range", "date_out_of_range", put("initial_accreditation_date", *OUT_DATES)),
        Kind("unknown_code", "unknown_code", put("organization_type", "Hospital", "Academic Center", "Unknown")),
        Kind(
            "conditionally_required:accreditor",
            "conditionally_required",
            put("recognized_accreditor", None),
            where=_STATE,
        ),
        Kind("conditionally_required:state", "conditionally_required", put("state", None), where=is_("country", "USA")),
    ],
    "accreditation_decisions": _common(
        expr(
            progress_report_due_date=pl.when(pl.col("progress_report_due_date").is_null()).then(pl.col("decision_date"))
        )
    )
    + [
        Kind("required", "required", put("decision_type", None, "  ")),
        Kind("id_format", "id_format", bad_id("provider_id")),
        Kind("invalid_date", "invalid_date", put("decision_date", *BAD_DATES)),
        Kind("date_out_of_range", "date_out_of_range", put("decision_date", *OUT_DATES)),
        Kind("unknown_code", "unknown_code", put("decision_type", "Renewal", "Annual Review")),
        Kind(
            "conditionally_required",
            "conditionally_required",
            put("term_start_date", None),
            where=lambda ctx: pl.col("term_start_date").is_not_null(),
        ),
        Kind(
            "date_order",
            "date_order",
            expr(term_end_date=shift("term_end_date", "-1d", "term_start_date")),
            where=lambda ctx: pl.col("term_start_date").is_not_null(),
        ),
        Kind(
            "term_length",
            "term_length",
            expr(term_end_date=shift("term_end_date", "3y", "term_start_date")),
            where=lambda ctx: pl.col("term_start_date").is_not_null(),
        ),
        Kind("unknown_reference", "unknown_reference", unknown_ref("provider_id"), stage="ref"),
    ],
    "decision_findings": _common(
        expr(
            finding=pl.when(pl.col("finding") == "Compliance")
            .then(pl.lit("Not Applicable"))
            .otherwise(pl.lit("Compliance"))
        )
    )
    + [
        Kind("required", "required", put("finding", None, "  ")),
        Kind("id_format", "id_format", bad_id("decision_id")),
        Kind("unknown_code", "unknown_code", put("finding", "Partial", "Compliant", "N/A")),
        Kind("unknown_reference", "unknown_reference", unknown_ref("decision_id"), stage="ref"),
    ],
    "program_summaries": _common(
        expr(
            private_donations=pl.when(pl.col("private_donations") == "0.00")
            .then(pl.lit("1.00"))
            .otherwise(pl.lit("0.00"))
        )
    )
    + [
        Kind("required", "required", put("submitted_date", None, "  ")),
        Kind("id_format", "id_format", bad_id("provider_id")),
        Kind("invalid_date", "invalid_date", put("submitted_date", *BAD_DATES)),
        Kind("date_out_of_range", "date_out_of_range", put("submitted_date", *OUT_DATES)),
        Kind("invalid_year", "invalid_year", _bad_year),
        Kind("invalid_money", "invalid_money", put("registration_fees", "$1,200", "12.345", "1,5")),
        Kind("out_of_range", "out_of_range", put("advertising_exhibit_income", "-100.00", "-0.01")),
        Kind("only_before_2015", "only_before_2015", put("other_income", "1000.00"), applies=_year_ge_2015),
        Kind("unknown_reference", "unknown_reference", unknown_ref("provider_id"), stage="ref"),
    ],
}
