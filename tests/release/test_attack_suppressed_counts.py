"""The tables release's suppressed cells cannot be counted from the activities release's rows (issue 13, items 3
and 9; the simple count: the integer-programming fit over both releases is the joint audit's test).

The adversary holds the activities release and the tables release of the same warehouse. For a suppressed cell of
`activities_by_type_organization_year` (interior or margin) the rows certainly in it are those showing exactly its
activity type, organization type and year; the rows possibly in it also include rows showing a generalized value
(a group, or `*`) that covers the cell. Summing each disclosure measure over both gives an interval; the cell is
exposed when that interval lies inside [1, 10], and counted exactly when both ends equal its true value.

Before: rows showed every activity type, so every suppressed margin (type, All, year) was counted exactly from the
rows (on the test warehouse 16 of them, e.g. CML 2020: 4 activities); and where organization types were released,
every interior cell was too.
Now rows of a suppressed cell show organization and accreditor type `*`, and rows of a suppressed (type, All,
year) margin also activity type and format `*`, so the rows only repeat sums the tables release publishes.
"""

from __future__ import annotations

import polars as pl

from anonymize.tables.linear_audit import ALL
from tests.helpers import query

from .provider_attacker import ancestors

MEASURES = ("activities", "physician_interactions", "other_learner_interactions")
TABLE = "activities_by_type_organization_year"


def test_no_suppressed_cell_is_counted_from_the_activity_rows(attack_releases):
    rows = pl.read_parquet(attack_releases["activities"] / "data" / "activities.parquet").with_columns(
        pl.col("report_year").cast(pl.Utf8), pl.lit(1).alias("activities")
    )
    cells = pl.read_parquet(attack_releases["tables"] / "data" / f"{TABLE}.parquet")
    suppressed = (
        cells.filter(pl.col("activities").is_null()).select("activity_type", "organization_type", "report_year").rows()
    )
    assert suppressed
    truth = {
        (t, o, str(y)): v
        for t, o, y, *v in query(
            attack_releases["db"],
            """
        select activity_type, organization_type, report_year, count(*), sum(physician_interactions),
               sum(other_learner_interactions) from research.activities group by all""",
        )
    }
    org_tree = ancestors("organization_type")
    exposed, counted = [], []
    for t, o, y in suppressed:
        year = pl.lit(True) if y == ALL else pl.col("report_year") == y
        same_type = pl.lit(True) if t == ALL else pl.col("activity_type") == t
        maybe_type = pl.lit(True) if t == ALL else pl.col("activity_type").is_in([t, "*"])
        same_org = pl.lit(True) if o == ALL else pl.col("organization_type") == o
        maybe_org = (
            pl.lit(True) if o == ALL else pl.col("organization_type").is_in(sorted(org_tree.get(o, {o}) | {"*"}))
        )
        certain = rows.filter(year & same_type & same_org).select(pl.col(m).sum() for m in MEASURES).row(0)
        possible = rows.filter(year & maybe_type & maybe_org).select(pl.col(m).sum() for m in MEASURES).row(0)
        true = [
            sum(v[i] for (tt, oo, yy), v in truth.items() if t in (ALL, tt) and o in (ALL, oo) and y in (ALL, yy))
            for i in range(len(MEASURES))
        ]
        for measure, lo, hi, value in zip(MEASURES, certain, possible, true, strict=True):
            if 1 <= lo and hi <= 10:
                exposed.append((t, o, y, measure, lo, hi))
            if lo == hi == value and value > 0:
                counted.append((t, o, y, measure, value))
    assert not exposed, f"{len(exposed)} suppressed cell measures derivable into [1, 10]: {exposed[:5]}"
    assert not counted, (
        f"{len({c[:3] for c in counted})} of {len(suppressed)} suppressed cells counted exactly "
        f"from the rows: {counted[:5]}"
    )
