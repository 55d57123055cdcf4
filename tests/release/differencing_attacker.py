"""What the differencing adversary reads, the tables release and the activities release together (issue 13, items 3
and 9), and the truth its attacks are scored against.

Two integer-programming attacks with scipy.optimize.milp read them, on releases made by `make_release` from one
warehouse into its register, in the demo's order (activities, then tables: the `both_releases` fixture of
tests/release/conftest.py): the pseudonym fit (test_attack_pseudonym_fit.py) and the count derivation
(test_attack_count_derivation.py). Both read the published files and the warehouse's truth through this one
module, so they score against the same cells.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl

ALL = "All"
TYPE_ORG = "activities_by_type_organization_year"
BY_STATE = "activities_by_state_year"
MEASURES = ("activities", "physician_interactions", "other_learner_interactions")
ROOT = Path(__file__).resolve().parents[2]
LOW, HIGH = 1, 10


def published(folder: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(folder / "data" / f"{table}.parquet")


def truth(db: Path) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(
            "select provider_id, report_year::varchar as report_year, activity_type, "
            "coalesce(organization_type, 'None') as organization_type, "
            "coalesce(provider_state, 'None') as provider_state, census_region, activity_format_group, "
            "physician_interactions, other_learner_interactions from research.activities"
        ).pl()
    finally:
        con.close()


def cell_value(rows: pl.DataFrame, cell: dict[str, str], measure: str) -> int:
    """The true value of a cell (margins included) from the identified rows."""
    chosen = rows.filter(pl.all_horizontal(pl.col(d) == v for d, v in cell.items() if v != ALL))
    return chosen.height if measure == "activities" else int(chosen[measure].sum())


def hierarchy(name: str) -> dict[str, set[str]]:
    covers: dict[str, set[str]] = defaultdict(set)
    for line in (ROOT / "anonymize" / "release" / "hierarchies" / f"{name}.csv").read_text().splitlines():
        levels = line.split(";")
        for value in levels:
            covers[value].add(levels[0])
    return covers
