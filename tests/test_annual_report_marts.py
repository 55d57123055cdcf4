"""End to end: generate → load → dbt build → the annual-report marts equal totals computed from the export files.

The expected figures never touch the warehouse's models: they are the Data Report's counting rules (issue 3)
applied with polars to the CSV files the generator wrote, minus what the loader says it rejected (the lines of
raw.quarantine) and the exact duplicate rows it skips (docs/loading.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.helpers.dbtwork import dbt_work, run_dbt  # noqa: F401  (dbt_work: the shared fixture)
from warehouse.contract import codes
from warehouse.load import load_export
from warehouse.synth import generate

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("ACCME", "State", "Joint")
CENT = Decimal("0.01")
INCOME = ("advertising_exhibit_income", "registration_fees", "government_grants", "private_donations", "other_income")


# --- the export as the loader keeps it ----------------------------------------------------------------------------


def loaded_rows(export: Path, name: str, quarantined: set[int]) -> pl.DataFrame:
    """The rows of one CSV file that the loader keeps, as text: exact duplicates skipped (the first copy goes on),
    quarantined lines dropped, empty or whitespace-only values NULL."""
    with (export / f"{name}.csv").open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows, seen, start = [], set(), reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if tuple(record) in seen:
                continue
            seen.add(tuple(record))
            if line not in quarantined and len(record) == len(header):
                rows.append([value if value.strip() else None for value in record])
    return pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row")


def quarantined_lines(db: Path, export: Path) -> dict[str, set[int]]:
    """Per file stem, the lines of `export` that the loader quarantined."""
    export_id = json.loads((export / "manifest.json").read_text())["export_id"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.sql("select file, line from raw.quarantine where export_id = ?", params=[export_id]).fetchall()
    finally:
        con.close()
    out: dict[str, set[int]] = {}
    for file, line in rows:
        out.setdefault(file.removesuffix(".csv"), set()).add(line)
    return out


def read_export(export: Path, db: Path) -> dict[str, pl.LazyFrame]:
    """The files the annual report needs, typed."""
    bad = quarantined_lines(db, export)

    def table(name: str) -> pl.DataFrame:
        return loaded_rows(export, name, bad.get(name, set()))

    money = pl.Decimal(18, 2)
    return {
        "providers": table("providers").lazy().select("provider_id", "accreditor_type", "organization_type"),
        "decisions": table("accreditation_decisions")
        .lazy()
        .select("provider_id", "decision_id", pl.col("decision_date").str.to_date(), "status"),
        "summaries": table("program_summaries")
        .lazy()
        .select(
            "provider_id",
            pl.col("reporting_year").cast(pl.Int32).alias("report_year"),
            *[pl.col(c).cast(money).fill_null(Decimal(0)) for c in INCOME],
        ),
        "activities": table("activities")
        .lazy()
        .select(
            "activity_id",
            "provider_id",
            pl.col("reporting_year").cast(pl.Int32).alias("report_year"),
            "activity_type",
            "status",
            pl.col("hours_of_instruction").cast(pl.Decimal(18, 4)),
            pl.col("physician_learners").cast(pl.Int64),
            pl.col("other_learners").cast(pl.Int64),
            (pl.col("commercial_support_received") == "Yes").alias("has_commercial_support"),
        ),
        "supporters": table("activity_commercial_supporters")
        .lazy()
        .select("activity_id", pl.col("monetary_amount").cast(money).fill_null(Decimal(0))),
    }


# --- the counting rules, applied to the files ---------------------------------------------------------------------


def is_counted() -> pl.Expr:
    """Latest version and not deleted hold for a single full export; the rest of the rule is status Closed."""
    return pl.col("status") == "Closed"


def is_accredited() -> pl.Expr:
    return pl.col("status") != "Nonaccreditation"


def with_all_group(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Each row in its accreditor_type's group and once more in All."""
    own = frame.with_columns(pl.col("accreditor_type").alias("accreditor_group"))
    return pl.concat([own, frame.with_columns(pl.lit("All").alias("accreditor_group"))])


def counted_activities(t: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    support = t["supporters"].group_by("activity_id").agg(pl.col("monetary_amount").sum().alias("support"))
    return (
        t["activities"]
        .filter(is_counted())
        .join(t["providers"], on="provider_id", how="inner")
        .join(support, on="activity_id", how="left")
        .with_columns(pl.col("support").fill_null(Decimal(0)))
    )


def accredited_on_31_december(t: dict[str, pl.LazyFrame], years: list[int]) -> pl.LazyFrame:
    """Per year, the providers whose latest decision dated on or before 31 December is not Nonaccreditation."""
    per_year = [
        t["decisions"]
        .filter(pl.col("decision_date") <= dt.date(year, 12, 31))
        .sort("decision_date", "decision_id")
        .group_by("provider_id")
        .last()
        .filter(is_accredited())
        .with_columns(pl.lit(year, pl.Int32).alias("report_year"))
        for year in years
    ]
    return pl.concat(per_year).join(t["providers"], on="provider_id", how="inner")


def expected_enterprise_size(t: dict[str, pl.LazyFrame], years: list[int]) -> dict[tuple[int, str], dict]:
    keys = ["report_year", "accreditor_group"]
    activity_totals = (
        with_all_group(counted_activities(t))
        .group_by(keys)
        .agg(
            pl.len().alias("activities"),
            pl.col("hours_of_instruction").sum(),
            pl.col("physician_learners").sum().alias("physician_interactions"),
            pl.col("other_learners").sum().alias("other_learner_interactions"),
            pl.col("has_commercial_support").sum().alias("activities_with_commercial_support"),
            pl.col("support").sum().alias("commercial_support_income"),
            pl.col("provider_id").n_unique().alias("providers_reporting"),
        )
    )
    income = (
        with_all_group(t["summaries"].join(t["providers"], on="provider_id", how="inner"))
        .group_by(keys)
        .agg(*[pl.col(c).sum() for c in INCOME])
    )
    accredited = (
        with_all_group(accredited_on_31_december(t, years)).group_by(keys).agg(pl.len().alias("providers_accredited"))
    )
    out: dict[tuple[int, str], dict] = {(y, g): {} for y in years for g in ("All", *GROUPS)}
    for frame in (activity_totals, income, accredited):
        for row in frame.collect().iter_rows(named=True):
            out[(row.pop("report_year"), row.pop("accreditor_group"))].update(row)
    return out


def expected_activity_matrix(t: dict[str, pl.LazyFrame]) -> dict[tuple, tuple[int, int, int]]:
    cells = (
        with_all_group(counted_activities(t))
        .group_by("report_year", "accreditor_group", "organization_type", "activity_type")
        .agg(pl.len(), pl.col("physician_learners").sum(), pl.col("other_learners").sum())
    )
    return {row[:4]: row[4:] for row in cells.collect().iter_rows()}


# --- building the warehouse -----------------------------------------------------------------------------------------


def dbt_build(db: Path, work: Path, select: str = "+path:models/marts/annual_report") -> None:
    """`select` (and its parents), with the annual report's data tests among the tests of what it selects.

    dbt runs on `db` with the parse state of the worker's dbt folder `work` (tests/helpers/dbtwork.py): the
    module's two builds, and other build test files of the worker, parse the project once."""
    # the annual-report marts and what they build on, with the annual report's data tests; unit tests
    # (hand-written rows, not this data) and the tests of staging and core run in the project's own build
    result = run_dbt(
        work,
        db,
        "build",
        "--select",
        select,
        "--indirect-selection",
        "cautious",
        "--exclude",
        "test_type:unit",
        "resource_type:test,path:models/staging",
        "resource_type:test,path:models/marts/core",
    )
    failed = [r.node.name for r in (result.result or []) if r.status not in ("pass", "success")]
    assert result.success, failed or result.exception


def years(export: Path) -> list[int]:
    """The reporting years the export's manifest declares."""
    return json.loads((export / "manifest.json").read_text())["reporting_years"]


def mart(db: Path, name: str) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rel = con.sql(f"select * from annual_report.{name}")
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()


def warehouse(tmp: Path, export: Path, work: Path) -> Path:
    db = tmp / "w.duckdb"
    load_export(export, db)
    dbt_build(db, work)
    return db


@pytest.fixture(scope="module")
def clean(built_warehouse) -> tuple[Path, Path]:
    """A clean generated export (three years at scale 0.01) and its warehouse: the shared built warehouse of the run
    (tests/conftest.py; a full build, of which the annual-report marts are a part). Read only."""
    return built_warehouse.parent / "export", built_warehouse


@pytest.fixture(scope="module")
def defective(tmp_path_factory, dbt_work) -> tuple[Path, Path]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("annual_defects")
    generate(tmp / "export", scale=0.005, years=(2021, 2022), seed=4, defects=0.05)
    return tmp / "export", warehouse(tmp, tmp / "export", dbt_work)


# --- the assertions -------------------------------------------------------------------------------------------------


def assert_enterprise_size_matches_the_files(export: Path, db: Path) -> list[dict]:
    rows = mart(db, "enterprise_size")
    years = sorted({r["report_year"] for r in rows})
    t = read_export(export, db)
    file_years = pl.concat([t["activities"].select("report_year"), t["summaries"].select("report_year")])
    assert years == sorted(file_years.unique().collect()["report_year"].to_list())
    expected = expected_enterprise_size(t, years)
    assert {(r["report_year"], r["accreditor_group"]) for r in rows} == set(expected)
    for row in rows:
        want = expected[(row["report_year"], row["accreditor_group"])]
        key = (row["report_year"], row["accreditor_group"])
        for column in (
            "activities",
            "physician_interactions",
            "other_learner_interactions",
            "activities_with_commercial_support",
            "providers_reporting",
            "providers_accredited",
        ):
            assert row[column] == want.get(column, 0), (key, column)
        assert row["total_interactions"] == want.get("physician_interactions", 0) + want.get(
            "other_learner_interactions", 0
        ), key
        assert row["hours_of_instruction"] == Decimal(want.get("hours_of_instruction", 0)).quantize(CENT), key
        for column in ("commercial_support_income", *INCOME):
            assert row[column] == Decimal(want.get(column, 0)), (key, column)
        assert row["total_income"] == sum(Decimal(want.get(c, 0)) for c in ("commercial_support_income", *INCOME))
    return rows


def test_enterprise_size_equals_the_counting_rules_applied_to_the_export(clean):
    export, db = clean
    rows = assert_enterprise_size_matches_the_files(export, db)
    assert len(rows) == len(years(export)) * 4 and len(years(export)) == 3
    assert all(r["activities"] > 0 and r["providers_accredited"] > 0 for r in rows if r["accreditor_group"] == "All")


def test_activity_matrix_is_complete_and_equals_the_export(clean):
    export, db = clean
    rows = mart(db, "activity_matrix")
    assert len(rows) == len(years(export)) * 4 * len(codes.ORGANIZATION_TYPES) * len(codes.ACTIVITY_TYPES)
    expected = expected_activity_matrix(read_export(export, db))
    got = {
        (r["report_year"], r["accreditor_group"], r["organization_type"], r["activity_type"]): (
            r["activities"],
            r["physician_interactions"],
            r["other_learner_interactions"],
        )
        for r in rows
    }
    assert expected and set(expected) <= set(got)
    assert {k: got[k] for k in expected} == expected
    empty = [k for k in got if k not in expected]
    assert empty and all(got[k] == (0, 0, 0) for k in empty)


def test_income_by_organization_type_adds_up_to_enterprise_size(clean):
    _, db = clean
    size = {(r["report_year"], r["accreditor_group"]): r for r in mart(db, "enterprise_size")}
    sums: dict[tuple, dict] = {}
    for r in mart(db, "income_by_organization_type"):
        acc = sums.setdefault((r["report_year"], r["accreditor_group"]), {})
        for column in ("providers_reporting", "commercial_support_income", *INCOME, "total_income"):
            acc[column] = acc.get(column, 0) + r[column]
    assert sums.keys() == size.keys()
    assert all(size[k][c] == v for k, acc in sums.items() for c, v in acc.items())


def test_quarantined_rows_are_not_counted(defective):
    export, db = defective
    bad = quarantined_lines(db, export)
    closed_in_file = loaded_rows(export, "activities", set()).filter(is_counted()).height
    rows = assert_enterprise_size_matches_the_files(export, db)
    counted = sum(r["activities"] for r in rows if r["accreditor_group"] == "All")
    assert len(bad.get("activities", ())) > 10
    assert 0 < counted < closed_in_file


def test_deleted_and_superseded_versions_are_not_counted(tmp_path, dbt_work):  # noqa: F811
    """A second full export drops two Closed activities (deleted), reopens two, and changes the learner count of
    one: the marts count only what the second export holds."""
    first = tmp_path / "first"
    generate(first, scale=0.004, years=(2022, 2022), seed=5)
    db = tmp_path / "w.duckdb"
    load_export(first, db)
    second = tmp_path / "second"
    shutil.copytree(first, second)
    (second / "expected.json").unlink(missing_ok=True)
    activities = pl.read_csv(second / "activities.csv", infer_schema=False)
    closed = activities.filter(is_counted())["activity_id"].to_list()
    dropped, reopened, changed = closed[:2], closed[2:4], closed[4]
    activities = activities.filter(~pl.col("activity_id").is_in(dropped)).with_columns(
        pl.when(pl.col("activity_id").is_in(reopened)).then(pl.lit("Active")).otherwise("status").alias("status"),
        pl.when(pl.col("activity_id") == changed)
        .then(pl.lit("100000"))
        .otherwise("physician_learners")
        .alias("physician_learners"),
    )
    activities.write_csv(second / "activities.csv")
    for child in second.glob("activity_*.csv"):
        rows = pl.read_csv(child, infer_schema=False)
        rows.filter(~pl.col("activity_id").is_in(dropped)).write_csv(child)
    learners = pl.read_csv(second / "learner_completions.csv", infer_schema=False)
    learners.filter(~pl.col("activity_id").is_in(dropped)).write_csv(second / "learner_completions.csv")
    manifest = json.loads((second / "manifest.json").read_text())
    manifest["export_id"] += "-second"
    manifest.pop("files")  # the generator's file hashes and row counts describe the first export's files
    (second / "manifest.json").write_text(json.dumps(manifest))
    result = load_export(second, db)
    summary = result.files["activities.csv"]
    assert (summary.deleted, summary.new_versions, summary.quarantined) == (2, 3, {})
    dbt_build(db, dbt_work, select="+enterprise_size")  # the mart compared below (22 models, not 38)
    rows = assert_enterprise_size_matches_the_files(second, db)
    first_count = loaded_rows(first, "activities", set()).filter(is_counted()).height
    all_row = next(r for r in rows if r["accreditor_group"] == "All")
    assert all_row["activities"] == first_count - 4
    assert all_row["physician_interactions"] >= 100000


def test_code_list_seeds_match_the_export_contract():
    def seed(name: str, column: str) -> list[str]:
        return pl.read_csv(ROOT / "seeds" / f"{name}.csv", infer_schema=False)[column].to_list()

    assert seed("activity_types", "activity_type") == list(codes.ACTIVITY_TYPES)
    assert seed("organization_types", "organization_type") == list(codes.ORGANIZATION_TYPES)
    assert seed("competencies", "competency_code") == list(codes.COMPETENCIES)
    assert seed("learner_professions", "profession") == list(codes.PROFESSIONS)
    assert seed("accreditor_groups", "accreditor_group") == ["All", *codes.ACCREDITOR_TYPES]
