"""The defect kinds of the activity files and the learner completions."""

from __future__ import annotations

import numpy as np
import polars as pl

from warehouse.contract import codes

from .defect_base import (
    BAD_DATES,
    OUT_DATES,
    WRONG_CREDIT,
    Ctx,
    Kind,
    _bad_year,
    _common,
    bad_id,
    comp,
    expr,
    is_,
    parent_ok,
    put,
    shift,
    unknown_ref,
)


def _completion_window(rows: pl.DataFrame, rng: np.random.Generator, ctx: Ctx, m: int) -> pl.DataFrame:
    acts = ctx.activities.select("activity_id", pl.col("start_date").alias("_s"), pl.col("end_date").alias("_e"))
    j = rows.with_row_index("_k").join(acts, on="activity_id", how="left", maintain_order="left").sort("_k")
    before = pl.col("_k") % 2 == 0
    new_done = pl.when(before).then(pl.col("_s").dt.offset_by("-10d")).otherwise(pl.col("_e").dt.offset_by("400d"))
    j = j.with_columns(new_done.cast(pl.String).alias("completion_date"))
    j = j.with_columns(
        pl.when(before)
        .then(pl.col("reported_date"))
        .otherwise(shift("reported_date", "3d", "completion_date"))
        .alias("reported_date")
    )
    return j.select(rows.columns)


def _other_board(rows: pl.DataFrame, rng: np.random.Generator, ctx: Ctx, m: int) -> pl.DataFrame:
    registered = ctx.moc.select(comp(["activity_id", "board"]).alias("k"))["k"].implode()
    free = [pl.when(~(pl.col("activity_id") + f"\x1f{b}").is_in(registered)).then(pl.lit(b)) for b in codes.BOARDS]
    first_types = {b: codes.CREDIT_TYPES_BY_BOARD[b][0] for b in codes.BOARDS}
    out = rows.with_columns(pl.coalesce(free).alias("board"))
    return out.with_columns(pl.col("board").replace_strict(first_types, return_dtype=pl.String).alias("credit_type"))


def _professions_before_2019(rows: pl.DataFrame, rng: np.random.Generator, ctx: Ctx, m: int) -> pl.DataFrame:
    accepted = ctx.ok.get("activities", pl.Series([], dtype=pl.String)).implode()
    acts = ctx.activities.filter((pl.col("other_learners") > 0) & pl.col("activity_id").is_in(accepted))
    if acts.height == 0:
        return pl.DataFrame(schema={"activity_id": pl.String, "profession": pl.String, "learner_count": pl.String})
    pick = acts[np.sort(rng.choice(acts.height, min(m, acts.height), replace=False))]
    return pick.select(
        "activity_id",
        pl.lit("Nurse").alias("profession"),
        pl.col("other_learners").cast(pl.String).alias("learner_count"),
    )


_ACT_OK = parent_ok("activities")
_HAS_MONEY = lambda ctx: pl.col("monetary_amount").is_not_null()  # noqa: E731
_COMPLETION_OK = parent_ok("activities", "activity_moc_registrations")

ACTIVITY_KINDS: dict[str, list[Kind]] = {
    "activities": _common(expr(title=pl.col("title") + " (Part 2)"))
    + [
        Kind(
            "duplicate_key:unique_set",
            "duplicate_key",
            mode="dupkey",
            make=lambda rows, rng, ctx, m: rows.with_columns(
                pl.col("activity_id") + ("-K" + ctx.fresh(rows.height).cast(pl.String))
            ),
            prefer=lambda ctx: (
                pl.col("activity_id").is_in(ctx.moc["activity_id"].implode()) if ctx.moc is not None else pl.lit(False)
            ),
        ),
        Kind("required", "required", put("title", None, "  ")),
        Kind("id_format", "id_format", bad_id("provider_id")),
        Kind("invalid_date", "invalid_date", put("start_date", *BAD_DATES)),
        Kind("date_out_of_range", "date_out_of_range", put("closed_date", *OUT_DATES), where=is_("status", "Closed")),
        Kind("invalid_year", "invalid_year", _bad_year),
        Kind("unknown_code:type", "unknown_code", put("activity_type", "WEB", "Course")),
        Kind("unknown_code:competency", "unknown_code", put("competencies", "ACGME-PC;ACGME-XX", "Patient Care")),
        Kind("unknown_code:status", "unknown_code", put("status", "Open", "Completed")),
        Kind("invalid_bool", "invalid_bool", put("commercial_support_received", "Y", "true", "yes")),
        Kind("invalid_int", "invalid_int", put("physician_learners", "1,234", "12.5", "ten")),
        Kind("invalid_decimal", "invalid_decimal", put("hours_of_instruction", "1,5", "NaN", "1e9")),
        Kind("out_of_range", "out_of_range", put("other_learners", "-5", "-1")),
        Kind(
            "conditionally_required:city",
            "conditionally_required",
            put("city", None),
            where=is_("activity_type", "C", "RSS"),
        ),
        Kind(
            "conditionally_required:closed",
            "conditionally_required",
            put("closed_date", None),
            where=is_("status", "Closed"),
        ),
        Kind("date_order", "date_order", expr(end_date=shift("end_date", "-5d", "start_date"))),
        Kind(
            "max_span:rss",
            "max_span",
            expr(start_date=shift("start_date", "-13mo", "end_date")),
            where=is_("activity_type", "RSS"),
        ),
        Kind(
            "max_span:enduring",
            "max_span",
            expr(start_date=shift("start_date", "-3y", "end_date").str.to_date().dt.offset_by("-10d").cast(pl.String)),
            where=is_("activity_type", *codes.ENDURING_TYPES),
        ),
        Kind(
            "code_not_in_year",
            "code_not_in_year",
            put("activity_type", "OTH"),
            applies=lambda ctx: ctx.year < codes.OTH_FIRST_YEAR,
        ),
        Kind("unknown_reference", "unknown_reference", unknown_ref("provider_id"), stage="ref"),
    ],
    "activity_commercial_supporters": _common(
        expr(
            monetary_amount=pl.when(pl.col("monetary_amount") == "1.00").then(pl.lit("2.00")).otherwise(pl.lit("1.00"))
        )
    )
    + [
        Kind("required", "required", put("in_kind", None, "  "), where=_HAS_MONEY),
        Kind("id_format", "id_format", bad_id("activity_id")),
        Kind("invalid_bool", "invalid_bool", put("in_kind", "Y", "true"), where=_HAS_MONEY),
        Kind(
            "invalid_money",
            "invalid_money",
            put("monetary_amount", "$1,200", "12.345"),
            where=lambda ctx: (pl.col("in_kind") == "Yes") & pl.col("in_kind_nature").is_not_null(),
        ),
        Kind("out_of_range", "out_of_range", put("monetary_amount", "0.00", "-250.00")),
        Kind("unknown_code", "unknown_code", expr(in_kind=pl.lit("Yes"), in_kind_nature=pl.lit("Equipment"))),
        Kind(
            "conditionally_required",
            "conditionally_required",
            expr(in_kind=pl.lit("Yes"), in_kind_nature=pl.lit(None, pl.String)),
        ),
        Kind(
            "supporter_without_support",
            "supporter_without_support",
            expr(monetary_amount=pl.lit(None, pl.String), in_kind=pl.lit("No"), in_kind_nature=pl.lit(None, pl.String)),
        ),
        Kind("unknown_reference", "unknown_reference", unknown_ref("activity_id"), stage="ref"),
    ],
    "activity_joint_providers": _common(None)
    + [
        Kind("required", "required", put("joint_provider_name", None, "  "), unique_by=("activity_id",)),
        Kind("id_format", "id_format", bad_id("activity_id")),
        Kind("unknown_reference", "unknown_reference", unknown_ref("activity_id"), stage="ref"),
    ],
    "activity_moc_registrations": _common(
        expr(
            practice_areas=pl.when(pl.col("practice_areas") == "General")
            .then(pl.lit("Other"))
            .otherwise(pl.lit("General"))
        )
    )
    + [
        Kind("required", "required", put("credit_types", None, "  ")),
        Kind("id_format", "id_format", bad_id("activity_id"), inplace=False),
        Kind("invalid_date", "invalid_date", put("registered_date", *BAD_DATES)),
        Kind("date_out_of_range", "date_out_of_range", put("registered_date", *OUT_DATES)),
        Kind("invalid_decimal", "invalid_decimal", put("moc_credits", "1,5", "NaN", "1e9")),
        Kind("out_of_range", "out_of_range", put("moc_credits", "0", "-1.00")),
        Kind("unknown_code", "unknown_code", put("board", "ABO", "ABEM"), inplace=False),
        Kind(
            "credit_type_for_board",
            "credit_type_for_board",
            expr(credit_types=pl.col("board").replace_strict(WRONG_CREDIT, return_dtype=pl.String)),
        ),
        Kind("unknown_reference", "unknown_reference", unknown_ref("activity_id"), stage="ref", inplace=False),
    ],
    "activity_rems": _common(expr(rpc_grant_id=pl.when(pl.col("rpc_grant_id").is_null()).then(pl.lit("RPC000000"))))
    + [
        Kind("required", "required", put("rems_designation", None, "  ")),
        Kind("id_format", "id_format", expr(rpc_grant_id=" " + pl.col("rpc_grant_id").fill_null("RPC000001"))),
        Kind("invalid_int", "invalid_int", put("pain_specialist_learners", "1,234", "12.5")),
        Kind("out_of_range", "out_of_range", put("primary_care_learners", "-3")),
        Kind("unknown_code", "unknown_code", put("rems_designation", "Yes", "Partial")),
        Kind(
            "dea_exceeds_prescribers",
            "dea_exceeds_prescribers",
            expr(dea_registered_learners=(pl.col("prescriber_learners").cast(pl.Int64) + 5).cast(pl.String)),
        ),
        Kind("unknown_reference", "unknown_reference", unknown_ref("activity_id"), stage="ref"),
    ],
    "activity_learner_professions": _common(
        expr(learner_count=(pl.col("learner_count").cast(pl.Int64) + 1).cast(pl.String))
    )
    + [
        Kind("required", "required", put("learner_count", None, "  ")),
        Kind("id_format", "id_format", bad_id("activity_id")),
        Kind("invalid_int", "invalid_int", put("learner_count", "1,234", "3.5")),
        Kind("out_of_range", "out_of_range", put("learner_count", "-1")),
        Kind("unknown_code", "unknown_code", put("profession", "Physician"), unique_by=("activity_id",)),
        Kind("unknown_reference", "unknown_reference", unknown_ref("activity_id"), stage="ref"),
        Kind(
            "code_not_in_year",
            "code_not_in_year",
            _professions_before_2019,
            stage="ref",
            mode="new",
            applies=lambda ctx: ctx.year < codes.PROFESSIONS_FIRST_YEAR,
        ),
    ],
    "learner_completions": _common(expr(last_name=pl.col("last_name").str.to_uppercase()))
    + [
        Kind("required", "required", put("last_name", None, "  ")),
        Kind("id_format", "id_format", bad_id("learner_board_id")),
        Kind("invalid_date", "invalid_date", put("completion_date", *BAD_DATES)),
        Kind("date_out_of_range", "date_out_of_range", put("reported_date", "2999-12-31")),
        Kind(
            "invalid_int",
            "invalid_int",
            put("birth_month", "1.5", "Jan"),
            where=lambda ctx: pl.col("birth_day").cast(pl.Int64) <= 28,
        ),
        Kind("invalid_decimal", "invalid_decimal", put("credits", "1,5", "NaN", "1e9")),
        Kind("out_of_range", "out_of_range", put("credits", "0", "-1.00")),
        Kind("out_of_range:month", "out_of_range", put("birth_month", "13", "0")),
        Kind("unknown_code", "unknown_code", put("status", "Done", "Approved")),
        Kind(
            "conditionally_required",
            "conditionally_required",
            expr(status=pl.lit("Rejected"), rejection_reason=pl.lit(None, pl.String)),
        ),
        Kind("date_order", "date_order", expr(reported_date=shift("reported_date", "-3d", "completion_date"))),
        Kind(
            "credit_type_for_board",
            "credit_type_for_board",
            expr(credit_type=pl.col("board").replace_strict(WRONG_CREDIT, return_dtype=pl.String)),
        ),
        Kind(
            "invalid_birth_day",
            "invalid_birth_day",
            expr(
                birth_month=pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.lit("2")).otherwise(pl.lit("4")),
                birth_day=pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.lit("30")).otherwise(pl.lit("31")),
            ),
        ),
        Kind("unknown_reference:activity", "unknown_reference", unknown_ref("activity_id"), stage="ref"),
        Kind("unknown_reference:board", "unknown_reference", _other_board, stage="ref", where=_ACT_OK),
        Kind("completion_window", "completion_window", _completion_window, stage="ref", where=_COMPLETION_OK),
    ],
}
