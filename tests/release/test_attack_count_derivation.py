"""The adversary reads the tables release and the activities release together (issue 13, items 3 and 9): the count
derivation, integer programs with scipy.optimize.milp on the releases of differencing_attacker.py.

The count derivation (any activities release): every activity row whose organization type (or activity type) is
generalized or `*` is assigned, as an integer, to one cell it could belong to; published cells and margins of the
tables release are equalities in all three measures at once (the rows are shared by them). For each suppressed cell
and measure whose true value is 1-10, milp maximizes and minimizes it: the cell is disclosed when the interval lies
inside [1, 10]. Before: (CML, All, 2020) came out as exactly 4 activities, the row count of the activities release.
The joint audit (anonymize/release/joint/) must refuse exactly such combinations.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl
import pytest

from .differencing_attacker import ALL, HIGH, LOW, MEASURES, ROOT, TYPE_ORG, cell_value, hierarchy, published, truth


def format_groups() -> dict[str, str]:
    frame = pl.read_csv(ROOT / "seeds" / "activity_types.csv", infer_schema_length=0)
    return dict(zip(frame["activity_type"], frame["activity_format_group"], strict=True))


def count_derivation(
    rows: pl.DataFrame, table: pl.DataFrame, targets: list[tuple[dict, str]]
) -> dict[tuple, tuple[int, int]]:
    """The interval milp derives for each (suppressed cell, measure) of `targets` from rows + published cells.

    `rows`: the activities release's rows (report_year, activity_type, activity_format_group, organization_type,
    interactions). Rows showing the same (year, type, format group, organization type) are a group; the part of a
    group in each cell it may belong to is an integer per measure: its rows (a), their physician and other-learner
    interactions (b, c), with sum over cells = the group's totals, and the measures tied as the rows tie them:
    min(per-row value) * a <= b <= max(per-row value) * a. One integer program over all three measures; every
    published cell and margin of the type x organization table is an equality in each measure.
    """
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows = rows.with_columns(pl.col("report_year").cast(pl.Utf8), pl.col("organization_type").fill_null("None"))
    if "activity_format_group" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, pl.Utf8).alias("activity_format_group"))
    years = sorted(set(table["report_year"]) - {ALL})
    types = sorted(set(table["activity_type"]) - {ALL})
    orgs = sorted(set(table["organization_type"]) - {ALL})
    formats, groups = format_groups(), hierarchy("organization_type")
    rows = rows.filter(pl.col("report_year").is_in(years))
    interactions = MEASURES[1:]
    grouped = rows.group_by("report_year", "activity_type", "activity_format_group", "organization_type").agg(
        pl.len().alias("activities"),
        *(pl.col(m).fill_null(0).sum().alias(m) for m in interactions),
        *(pl.col(m).fill_null(0).min().alias(f"min_{m}") for m in interactions),
        *(pl.col(m).fill_null(0).max().alias(f"max_{m}") for m in interactions),
    )

    def cover(row) -> list[tuple[str, str]]:
        t = row["activity_type"]
        ts = [t] if t in types else ([x for x in types if formats.get(x) == t] or types)
        ts = [x for x in ts if formats.get(x) in (None, row["activity_format_group"])] or ts
        o = row["organization_type"]
        os_ = [o] if o in orgs else (sorted(groups[o] & set(orgs)) if o in groups and o != "*" else orgs)
        return [(x, y) for x in ts for y in os_]

    # cell (t, o, year) -> {measure: [variables]}, and the known parts
    terms: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: {m: [] for m in MEASURES})
    known: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    upper: list[float] = []
    eq_rows, eq_cols, eq_vals, rhs = [], [], [], []
    le_rows, le_cols, le_vals = [], [], []  # rows of (... <= 0)

    def add(target_rows, target_cols, target_vals, at, entries):
        for col, val in entries:
            target_rows.append(at)
            target_cols.append(col)
            target_vals.append(val)

    inequalities = 0
    for row in grouped.iter_rows(named=True):
        cells = cover(row)
        if len(cells) == 1:
            for m in MEASURES:
                known[(*cells[0], row["report_year"])][m] += row[m]
            continue
        variables = {m: [] for m in MEASURES}
        for t, o in cells:
            for m in MEASURES:
                variables[m].append(len(upper))
                terms[(t, o, row["report_year"])][m].append(len(upper))
                upper.append(row[m])
            a = variables["activities"][-1]
            for m in interactions:  # min * a <= b <= max * a
                b = variables[m][-1]
                add(le_rows, le_cols, le_vals, inequalities, [(a, float(row[f"min_{m}"])), (b, -1.0)])
                add(le_rows, le_cols, le_vals, inequalities + 1, [(b, 1.0), (a, -float(row[f"max_{m}"]))])
                inequalities += 2
        for m in MEASURES:  # the group's parts add up to the group
            add(eq_rows, eq_cols, eq_vals, len(rhs), [(v, 1.0) for v in variables[m]])
            rhs.append(row[m])
    n = len(upper)

    def expression(cell: dict[str, str], m: str) -> tuple[list[int], int]:
        """A (margin) cell of the table as a sum of variables plus a known constant."""
        combined, constant = [], 0
        for t in types if cell["activity_type"] == ALL else [cell["activity_type"]]:
            for o in orgs if cell["organization_type"] == ALL else [cell["organization_type"]]:
                for y in years if cell["report_year"] == ALL else [cell["report_year"]]:
                    if (t, o, y) in terms:
                        combined += terms[(t, o, y)][m]
                    constant += known[(t, o, y)][m] if (t, o, y) in known else 0
        return combined, constant

    for cell in table.filter(pl.col("activities").is_not_null()).iter_rows(named=True):
        for m in MEASURES:
            combined, constant = expression(cell, m)
            if combined:
                add(eq_rows, eq_cols, eq_vals, len(rhs), [(v, 1.0) for v in combined])
                rhs.append(cell[m] - constant)
            else:
                assert cell[m] == constant, f"the rows do not add up to the published cell {cell} ({m})"
    constraints = [LinearConstraint(sp.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(rhs), n)), rhs, rhs)]
    if inequalities:
        constraints.append(
            LinearConstraint(sp.csr_matrix((le_vals, (le_rows, le_cols)), shape=(inequalities, n)), -np.inf, 0)
        )
    box = Bounds(np.zeros(n), np.asarray(upper, dtype=float))

    points: list[np.ndarray] = []  # every optimum is a feasible point of the LP

    def optimum(cost: np.ndarray, integral: bool) -> int:
        result = milp(
            cost, constraints=constraints, integrality=np.full(n, int(integral)), bounds=box, options={"time_limit": 30}
        )
        assert result.status == 0, f"milp: {result.message}"
        points.append(result.x)
        value = float(np.abs(cost) @ result.x)
        return int(np.ceil(value - 1e-6) if cost.sum() > 0 else np.floor(value + 1e-6))  # counts are integers

    found = {}
    for cell, m in targets:
        combined, constant = expression(cell, m)
        cost = np.zeros(n)
        cost[combined] = 1.0
        seen = [cost @ x + constant for x in points]
        if seen and min(seen) < LOW - 1e-6 and max(seen) > HIGH + 1e-6:
            found[(tuple(cell.items()), m)] = (LOW - 1, HIGH + 1)  # the LP reaches both sides: not disclosed
            continue
        # the LP relaxation first: its interval contains the integer program's; the integer program is solved
        # for a bound only where it could move the interval inside [1, 10]
        lo, hi = optimum(cost, False) + constant, optimum(-cost, False) + constant
        if lo < LOW <= hi <= HIGH:
            lo = optimum(cost, True) + constant
        elif LOW <= lo <= HIGH < hi:
            hi = optimum(-cost, True) + constant
        found[(tuple(cell.items()), m)] = (lo, hi)
    return found


def targets_of(table: pl.DataFrame, rows: pl.DataFrame, measures=("activities",)) -> list[tuple[dict, str]]:
    """Every suppressed cell of the type x organization table whose true count of activities is 1-10 (the other
    measures are in the program as equalities; their own intervals are the joint audit's LPs, kept out of this
    test for its time: ~0.5 s of solving per interval)."""
    targets = []
    for cell in table.filter(pl.col("activities").is_null()).iter_rows(named=True):
        key = {d: cell[d] for d in ("activity_type", "organization_type", "report_year")}
        targets += [(key, m) for m in measures if LOW <= cell_value(rows, key, m) <= HIGH]
    return targets


def disclosed(found: dict) -> list[str]:
    return [f"{dict(cell)} {m} in [{lo}, {hi}]" for (cell, m), (lo, hi) in found.items() if LOW <= lo and hi <= HIGH]


def test_no_suppressed_cell_is_counted_from_the_activity_rows_by_integer_programming(both_releases):
    if both_releases["refused"] is not None:
        activities = published(both_releases["root"] / "activities", "activities")
        assert "provider" in activities.columns, f"a tables release was refused: {both_releases['refused']}"
        pytest.skip(
            "the register refused the tables release next to an activities release with pseudonyms: the "
            "attacker holds no tables release to derive from"
        )
    table = published(both_releases["root"] / "tables", TYPE_ORG)
    rows = published(both_releases["root"] / "activities", "activities")
    found = count_derivation(rows, table, targets_of(table, truth(both_releases["db"])))
    assert found, "no suppressed cell with a true value of 1-10 to attack: the test data lost its point"
    assert not disclosed(found), f"milp derives suppressed cells into [1, 10]: {disclosed(found)[:5]}"
