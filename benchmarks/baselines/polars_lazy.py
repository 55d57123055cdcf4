"""Baseline: a polars lazy script computing annual_report.enterprise_size and annual_report.activity_matrix
from a PARS export's CSV files (scan_csv, one query plan per table, collected together).

    python benchmarks/baselines/polars_lazy.py EXPORT_DIR --out DIR

Same counting rules as the marts (see pandas_script.py). Money and hours are read as Decimal(18, 2), so every
sum is exact. Writes DIR/enterprise_size.csv and DIR/activity_matrix.csv and prints {"seconds": ...} (the
work after imports). Reads one full export (each record once).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import polars as pl

GROUPS = ["All", "ACCME", "State", "Joint"]
ORG_TYPES = [
    "Publishing/Education Company",
    "School of Medicine",
    "Nonprofit (Physician Membership Organization)",
    "Nonprofit (Other)",
    "Hospital/Health Care Delivery System",
    "Government or Military",
    "Insurance Company/Managed Care Company",
    "Other",
]
ACTIVITY_TYPES = ["C", "RSS", "IL", "EM", "IEM", "JN", "MR", "TIW", "CML", "PI", "ISL", "LFT", "OTH"]
DEC = pl.Decimal(18, 2)
MONEY = ["advertising_exhibit_income", "registration_fees", "government_grants", "private_donations", "other_income"]
SCHEMAS = {
    "providers": {"provider_id": pl.String, "organization_type": pl.String, "accreditor_type": pl.String},
    "accreditation_decisions": {
        "decision_id": pl.String,
        "provider_id": pl.String,
        "decision_date": pl.String,
        "status": pl.String,
    },
    "program_summaries": {"provider_id": pl.String, "reporting_year": pl.Int32, **{m: DEC for m in MONEY}},
    "activities": {
        "activity_id": pl.String,
        "provider_id": pl.String,
        "reporting_year": pl.Int32,
        "activity_type": pl.String,
        "hours_of_instruction": DEC,
        "physician_learners": pl.Int64,
        "other_learners": pl.Int64,
        "commercial_support_received": pl.String,
        "status": pl.String,
    },
    "activity_commercial_supporters": {"activity_id": pl.String, "monetary_amount": DEC},
}


def scan(export: Path, name: str) -> pl.LazyFrame:
    schema = SCHEMAS[name]
    path = export / f"{name}.csv"
    if not path.exists():
        return pl.LazyFrame(schema=schema)
    return pl.scan_csv(path, schema_overrides=schema, infer_schema=False).select(list(schema))


def with_groups(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Each row twice: in its accreditor group and in All."""
    return pl.concat(
        [lf.with_columns(accreditor_group=pl.col("accreditor_type")), lf.with_columns(accreditor_group=pl.lit("All"))]
    )


def queries(export: Path) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    providers = scan(export, "providers")
    decisions = scan(export, "accreditation_decisions")
    summaries = scan(export, "program_summaries").rename({"reporting_year": "report_year"})
    activities = scan(export, "activities").rename({"reporting_year": "report_year"})
    supporters = scan(export, "activity_commercial_supporters")

    years = pl.concat([activities.select("report_year"), summaries.select("report_year")]).unique()
    support = supporters.group_by("activity_id").agg(commercial_support_income=pl.col("monetary_amount").sum())
    counted = (
        activities.filter(pl.col("status") == "Closed")
        .join(support, on="activity_id", how="left")
        .join(providers, on="provider_id", how="left")
        .with_columns(
            pl.col("commercial_support_income").fill_null(0).cast(DEC),
            with_support=pl.col("commercial_support_received") == "Yes",
        )
    )
    year_end = (
        decisions.join(years, how="cross")
        .filter(pl.col("decision_date") <= pl.format("{}-12-31", pl.col("report_year")))
        .group_by("provider_id", "report_year")
        .agg(pl.col("status").sort_by("decision_date", "decision_id").last())
        .select("provider_id", "report_year", accredited=pl.col("status") != "Nonaccreditation")
    )
    per_provider = counted.group_by("provider_id", "report_year").agg(
        activities=pl.len(),
        hours_of_instruction=pl.col("hours_of_instruction").sum(),
        physician_interactions=pl.col("physician_learners").sum(),
        other_learner_interactions=pl.col("other_learners").sum(),
        activities_with_commercial_support=pl.col("with_support").sum(),
        commercial_support_income=pl.col("commercial_support_income").sum(),
    )
    keys = pl.concat(
        [
            year_end.select("provider_id", "report_year"),
            activities.select("provider_id", "report_year"),
            summaries.select("provider_id", "report_year"),
        ]
    ).unique()
    sums = [
        "activities",
        "hours_of_instruction",
        "physician_interactions",
        "other_learner_interactions",
        "activities_with_commercial_support",
        "commercial_support_income",
        *MONEY,
    ]
    provider_years = (
        keys.join(providers, on="provider_id", how="left")
        .join(year_end, on=["provider_id", "report_year"], how="left")
        .join(per_provider, on=["provider_id", "report_year"], how="left")
        .join(summaries, on=["provider_id", "report_year"], how="left")
        .with_columns(
            pl.col("accredited").fill_null(False),
            pl.col("activities").fill_null(0).gt(0).alias("reporting"),
            *[pl.col(c).fill_null(0) for c in sums],
        )
    )
    totals = (
        with_groups(provider_years)
        .group_by("report_year", "accreditor_group")
        .agg(
            pl.col("accredited").sum().alias("providers_accredited"),
            pl.col("reporting").sum().alias("providers_reporting"),
            *[pl.col(c).sum() for c in sums],
        )
    )
    spine = years.join(pl.LazyFrame({"accreditor_group": GROUPS}), how="cross")
    size = (
        spine.join(totals, on=["report_year", "accreditor_group"], how="left")
        .with_columns(pl.col("providers_accredited", "providers_reporting", *sums).fill_null(0))
        .with_columns(
            total_interactions=pl.col("physician_interactions") + pl.col("other_learner_interactions"),
            total_income=pl.sum_horizontal("commercial_support_income", *MONEY),
        )
        .select(
            "report_year",
            "accreditor_group",
            "providers_accredited",
            "providers_reporting",
            "activities",
            "hours_of_instruction",
            "physician_interactions",
            "other_learner_interactions",
            "total_interactions",
            "activities_with_commercial_support",
            "commercial_support_income",
            *MONEY,
            "total_income",
        )
    )

    keys4 = ["report_year", "accreditor_group", "organization_type", "activity_type"]
    cells = (
        with_groups(counted)
        .group_by(keys4)
        .agg(
            activities=pl.len(),
            hours_of_instruction=pl.col("hours_of_instruction").sum(),
            physician_interactions=pl.col("physician_learners").sum(),
            other_learner_interactions=pl.col("other_learners").sum(),
        )
    )
    codes = (
        pl.LazyFrame({"accreditor_group": GROUPS})
        .join(pl.LazyFrame({"organization_type": ORG_TYPES}), how="cross")
        .join(pl.LazyFrame({"activity_type": ACTIVITY_TYPES}), how="cross")
    )
    matrix = (
        years.join(codes, how="cross")
        .join(cells, on=keys4, how="left")
        .with_columns(
            pl.col(
                "activities", "hours_of_instruction", "physician_interactions", "other_learner_interactions"
            ).fill_null(0)
        )
        .select(*keys4, "activities", "hours_of_instruction", "physician_interactions", "other_learner_interactions")
    )
    return size, matrix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("export", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    size, matrix = pl.collect_all(queries(args.export))
    args.out.mkdir(parents=True, exist_ok=True)
    size.write_csv(args.out / "enterprise_size.csv")
    matrix.write_csv(args.out / "activity_matrix.csv")
    print(json.dumps({"seconds": round(time.perf_counter() - started, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
