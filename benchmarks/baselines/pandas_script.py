"""Baseline: the plain pandas script an analyst would write to compute the Data Report's Table 1
(annual_report.enterprise_size) and Tables 2-5 (annual_report.activity_matrix) from a PARS export.

    python benchmarks/baselines/pandas_script.py EXPORT_DIR --out DIR

Same counting rules as the marts: a counted activity has status Closed and counts in its reporting_year; a
report year is any year with an activity or a program summary; a provider is accredited on 31 December when
its latest decision dated on or before that day is not Nonaccreditation; every row counts in its provider's
accreditor group and in All. Writes DIR/enterprise_size.csv and DIR/activity_matrix.csv and prints
{"seconds": ...} (the work after imports). Reads one full export (each record once).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

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
IDS = {"provider_id": str, "activity_id": str, "decision_id": str, "provider_activity_id": str}
MONEY = ["advertising_exhibit_income", "registration_fees", "government_grants", "private_donations", "other_income"]


def read(export: Path, name: str, columns: list[str]) -> pd.DataFrame:
    path = export / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(path, dtype=IDS)


def with_groups(df: pd.DataFrame) -> pd.DataFrame:
    """Each row twice: in its accreditor group and in All."""
    own = df.assign(accreditor_group=df["accreditor_type"])
    return pd.concat([own, df.assign(accreditor_group="All")], ignore_index=True)


def compute(export: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    providers = read(export, "providers", ["provider_id", "organization_type", "accreditor_type"])
    decisions = read(export, "accreditation_decisions", ["decision_id", "provider_id", "decision_date", "status"])
    summaries = read(export, "program_summaries", ["provider_id", "reporting_year", *MONEY])
    activities = read(
        export,
        "activities",
        [
            "activity_id",
            "provider_id",
            "reporting_year",
            "activity_type",
            "hours_of_instruction",
            "physician_learners",
            "other_learners",
            "commercial_support_received",
            "status",
        ],
    )
    supporters = read(export, "activity_commercial_supporters", ["activity_id", "monetary_amount"])

    years = sorted(set(activities["reporting_year"]) | set(summaries["reporting_year"]))
    providers = providers[["provider_id", "organization_type", "accreditor_type"]]

    # counted activities with their commercial support income
    support = supporters.groupby("activity_id")["monetary_amount"].sum().rename("commercial_support_income")
    counted = activities[activities["status"] == "Closed"].join(support, on="activity_id")
    counted["commercial_support_income"] = counted["commercial_support_income"].fillna(0)
    counted["with_support"] = counted["commercial_support_received"] == "Yes"
    counted = counted.merge(providers, on="provider_id", how="left")

    # accreditation status on 31 December of each report year
    decisions = decisions.sort_values(["provider_id", "decision_date", "decision_id"])
    status_rows = []
    for year in years:
        upto = decisions[decisions["decision_date"] <= f"{year}-12-31"]
        last = upto.groupby("provider_id").tail(1)
        status_rows.append(
            pd.DataFrame(
                {
                    "provider_id": last["provider_id"],
                    "report_year": year,
                    "accredited": last["status"] != "Nonaccreditation",
                }
            )
        )
    year_end = pd.concat(status_rows, ignore_index=True)

    per_provider = (
        counted.groupby(["provider_id", "reporting_year"])
        .agg(
            activities=("activity_id", "size"),
            hours_of_instruction=("hours_of_instruction", "sum"),
            physician_interactions=("physician_learners", "sum"),
            other_learner_interactions=("other_learners", "sum"),
            activities_with_commercial_support=("with_support", "sum"),
            commercial_support_income=("commercial_support_income", "sum"),
        )
        .reset_index()
    )
    per_provider = per_provider.rename(columns={"reporting_year": "report_year"})

    keys = pd.concat(
        [
            year_end[["provider_id", "report_year"]],
            activities[["provider_id", "reporting_year"]].rename(columns={"reporting_year": "report_year"}),
            summaries[["provider_id", "reporting_year"]].rename(columns={"reporting_year": "report_year"}),
        ]
    ).drop_duplicates()
    py = (
        keys.merge(providers, on="provider_id", how="left")
        .merge(year_end, on=["provider_id", "report_year"], how="left")
        .merge(per_provider, on=["provider_id", "report_year"], how="left")
        .merge(
            summaries[["provider_id", "reporting_year", *MONEY]].rename(columns={"reporting_year": "report_year"}),
            on=["provider_id", "report_year"],
            how="left",
        )
    )
    py["accredited"] = py["accredited"].fillna(False).astype(bool)
    py["reporting"] = py["activities"].fillna(0) > 0
    sums = [
        "activities",
        "hours_of_instruction",
        "physician_interactions",
        "other_learner_interactions",
        "activities_with_commercial_support",
        "commercial_support_income",
        *MONEY,
    ]
    py[sums] = py[sums].fillna(0)

    size = (
        with_groups(py)
        .groupby(["report_year", "accreditor_group"])
        .agg(
            providers_accredited=("accredited", "sum"),
            providers_reporting=("reporting", "sum"),
            **{c: (c, "sum") for c in sums},
        )
    )
    spine = pd.MultiIndex.from_product([years, GROUPS], names=["report_year", "accreditor_group"])
    size = size.reindex(spine, fill_value=0).reset_index()
    counts = [
        "providers_accredited",
        "providers_reporting",
        "activities",
        "physician_interactions",
        "other_learner_interactions",
        "activities_with_commercial_support",
    ]
    size[counts] = size[counts].astype("int64")
    size["total_interactions"] = size["physician_interactions"] + size["other_learner_interactions"]
    size["total_income"] = size[["commercial_support_income", *MONEY]].sum(axis=1)
    size = size[
        [
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
        ]
    ]

    matrix = (
        with_groups(counted)
        .groupby(["reporting_year", "accreditor_group", "organization_type", "activity_type"])
        .agg(
            activities=("activity_id", "size"),
            hours_of_instruction=("hours_of_instruction", "sum"),
            physician_interactions=("physician_learners", "sum"),
            other_learner_interactions=("other_learners", "sum"),
        )
    )
    spine = pd.MultiIndex.from_product(
        [years, GROUPS, ORG_TYPES, ACTIVITY_TYPES],
        names=["reporting_year", "accreditor_group", "organization_type", "activity_type"],
    )
    matrix = matrix.reindex(spine, fill_value=0).reset_index().rename(columns={"reporting_year": "report_year"})
    counts = ["activities", "physician_interactions", "other_learner_interactions"]
    matrix[counts] = matrix[counts].astype("int64")
    return size, matrix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("export", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    size, matrix = compute(args.export)
    args.out.mkdir(parents=True, exist_ok=True)
    size.to_csv(args.out / "enterprise_size.csv", index=False)
    matrix.to_csv(args.out / "activity_matrix.csv", index=False)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
