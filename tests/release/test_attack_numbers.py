"""Published numbers are clean (issue 13, item 7): hours to 0.1 without float noise, margins equal to the sum of
their cells, and the tables release agrees with the Data Report's marts where both count the same thing.

Before: hours carried float noise (`44348.399999999994`), each cell was rounded on its own so a margin differed
from the sum of its cells, and the tables' national hours differed from the Data Report's.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest

from anonymize.tables.linear_audit import ALL
from tests.helpers import query

DIMS = {
    "activities_by_type_organization_year": ["activity_type", "organization_type", "report_year"],
    "activities_by_state_year": ["provider_state", "report_year"],
    "completions_by_board_year": ["board", "report_year"],
}
ONE_DECIMAL = re.compile(r"^\d+(\.\d)?$")


@pytest.fixture(scope="module")
def made(attack_releases) -> dict[str, Path]:
    return attack_releases


def _text(folder: Path, table: str) -> pl.DataFrame:
    """The CSV as published, every cell as its text (what a reader sees)."""
    return pl.read_csv(folder / "data" / f"{table}.csv", infer_schema=False)


def test_every_published_hours_value_has_at_most_one_decimal(made):
    bad = []
    for table in ("activities_by_type_organization_year", "activities_by_state_year"):
        values = _text(made["tables"], table)["hours_of_instruction"].drop_nulls().to_list()
        bad += [(table, v) for v in values if not ONE_DECIMAL.match(v)]
    rows = _text(made["activities"], "activities")["hours_of_instruction"].drop_nulls().to_list()
    bad += [("activities", v) for v in rows if not ONE_DECIMAL.match(v)]
    assert not bad, f"{len(bad)} hours values with more than one decimal or float noise, e.g. {bad[:5]}"
    parquet = pl.read_parquet(made["tables"] / "data" / "activities_by_state_year.parquet")
    assert all(ONE_DECIMAL.match(repr(v)) for v in parquet["hours_of_instruction"].drop_nulls())


@pytest.mark.parametrize("table", list(DIMS))
def test_every_margin_equals_the_sum_of_its_published_cells(made, table):
    dims = DIMS[table]
    frame = _text(made["tables"], table)
    measures = [c for c in frame.columns if c not in dims and not c.endswith("_error_95")]
    index = {tuple(r[d] for d in dims): r for r in frame.iter_rows(named=True)}
    checked, wrong = 0, []
    for key, row in index.items():
        for position, dim in enumerate(dims):
            if key[position] != ALL:
                continue
            children = [
                k
                for k in index
                if k[position] != ALL and all(k[i] == key[i] for i in range(len(dims)) if i != position)
            ]
            for measure in measures:
                values = [index[k][measure] for k in children]
                if row[measure] is None or any(v is None for v in values):
                    continue  # a suppressed cell or margin: nothing to add up
                checked += 1
                if Decimal(row[measure]) != sum(Decimal(v) for v in values):
                    wrong.append((key, dim, measure, row[measure], str(sum(Decimal(v) for v in values))))
    assert checked > 0
    assert not wrong, f"{len(wrong)} of {checked} margins differ from the sum of their cells, e.g. {wrong[:3]}"


def test_the_two_activity_tables_and_the_data_report_agree_per_year(made):
    db = made["db"]
    report = {
        str(y): (a, h, p, o)
        for y, a, h, p, o in query(
            db,
            """
        select report_year, activities, hours_of_instruction, physician_interactions, other_learner_interactions
        from annual_report.enterprise_size where accreditor_group = 'All'""",
        )
    }
    assert report
    for table in ("activities_by_type_organization_year", "activities_by_state_year"):
        frame = _text(made["tables"], table)
        dims = DIMS[table]
        totals = frame.filter(
            pl.all_horizontal(pl.col(d) == ALL for d in dims if d != "report_year") & (pl.col("report_year") != ALL)
        )
        assert totals.height == len(report)
        for row in totals.iter_rows(named=True):
            activities, hours, physicians, others = report[row["report_year"]]
            expected_hours = Decimal(hours).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            assert (
                int(row["activities"]),
                Decimal(row["hours_of_instruction"]),
                int(row["physician_interactions"]),
                int(row["other_learner_interactions"]),
            ) == (activities, expected_hours, physicians, others), (table, row["report_year"])


def test_interior_hours_stay_within_a_tenth_of_the_exact_sums(made):
    exact = {
        (t, o, str(y)): h
        for t, o, y, h in query(
            made["db"],
            """
        select activity_type, organization_type, report_year, sum(hours_of_instruction::decimal(18, 4))
        from research.activities group by all""",
        )
    }
    frame = _text(made["tables"], "activities_by_type_organization_year")
    interior = frame.filter(pl.all_horizontal(pl.col(d) != ALL for d in DIMS["activities_by_type_organization_year"]))
    far = [
        (r["activity_type"], r["organization_type"], r["report_year"], r["hours_of_instruction"])
        for r in interior.iter_rows(named=True)
        if r["hours_of_instruction"] is not None
        and abs(
            Decimal(r["hours_of_instruction"])
            - exact.get((r["activity_type"], r["organization_type"], r["report_year"]), Decimal(0))
        )
        >= Decimal("0.1")
    ]
    assert not far, far[:5]


def test_the_completion_table_and_the_moc_report_agree_per_year_and_board(made):
    """Issue s12 item 1: the release counted accepted completions by their activity's reporting year, the MOC page
    and MOC report (moc.board_summary) by year of completion, so the national totals of a year disagreed. The
    release now counts on the MOC report's basis: each published cell, the national total of every year and the
    all-years total equal the MOC mart's accepted completions dated in those years."""
    db = made["db"]
    moc = {
        (b, str(y)): n
        for b, y, n in query(db, "select board, report_year, completions_accepted from moc.board_summary")
    }
    frame = _text(made["tables"], "completions_by_board_year")
    years = sorted({y for y in frame["report_year"].to_list() if y != ALL})
    assert years
    for year in years:
        moc[(ALL, year)] = sum(n for (b, y), n in moc.items() if y == year and b != ALL)
    for board in {b for b, _ in moc}:
        moc[(board, ALL)] = sum(moc.get((board, y), 0) for y in years)
    published = [r for r in frame.iter_rows(named=True) if r["completions"] is not None]
    national = [r for r in published if r["board"] == ALL]
    assert len(national) == len(years) + 1, "every year's national total (and the all-years total) is published"
    wrong = [
        (r["board"], r["report_year"], r["completions"], moc.get((r["board"], r["report_year"]), 0))
        for r in published
        if int(r["completions"]) != moc.get((r["board"], r["report_year"]), 0)
    ]
    assert not wrong, f"{len(wrong)} of {len(published)} cells differ from the MOC mart, e.g. {wrong[:5]}"
