"""The adversary reads the tables release and the activities release together (issue 13, items 3 and 9).

Two integer-programming attacks with scipy.optimize.milp, on releases made by `make_release` from one warehouse
into its register, in the demo's order (activities, then tables):

1. The pseudonym fit (activities profile version 1, rows carry a `provider` pseudonym): assign each pseudonym one
   state and one organization type (binaries, restricted to what its released attributes allow) so that its rows
   add up to every published cell of both activity tables, in every disclosure measure. Before: the fit put all
   14 pseudonyms of this warehouse at their true state and organization type and recovered the suppressed cells.
   Now the register's joint audit refuses the tables release next to an activities release with pseudonyms, so
   the attacker never holds both; once the activities release has no pseudonym, the fit has nothing to fit.
2. The count derivation (any activities release): every activity row whose organization type (or activity type)
   is generalized or `*` is assigned, as an integer, to one cell it could belong to; published cells and margins of
   the tables release are equalities in all three measures at once (the rows are shared by them). For each
   suppressed cell and measure whose true value is 1-10, milp maximizes and minimizes it: the cell is disclosed
   when the interval lies inside [1, 10]. Before: (CML, All, 2020) came out as exactly 4 activities, the row count
   of the activities release. The joint audit (anonymize/release/joint/) must refuse exactly such combinations.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from anonymize.release.pseudonyms import pseudonymize

ALL = "All"
TYPE_ORG = "activities_by_type_organization_year"
BY_STATE = "activities_by_state_year"
MEASURES = ("activities", "physician_interactions", "other_learner_interactions")
ROOT = Path(__file__).resolve().parents[2]
LOW, HIGH = 1, 10


@pytest.fixture
def made(attack_releases) -> dict:
    """The demo's order on a private copy of the built warehouse: activities, then tables (which may be refused):
    the run's shared `attack_releases` (tests/release/conftest.py), made in that order."""
    return {
        "db": attack_releases["db"],
        "root": attack_releases["root"] / "releases",
        "secrets": attack_releases["root"] / "secrets",
        "refused": attack_releases["refused"],
    }


# ---------------------------------------------------------------------------------------------------------------
# What the attacker reads, and the truth the test compares with
# ---------------------------------------------------------------------------------------------------------------


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


def solve(cost, matrix, rhs, upper):
    """One milp over a >= 0 with matrix @ a == rhs; returns (status, x)."""
    from scipy.optimize import Bounds, LinearConstraint, milp  # scipy: imported by the workers that solve

    n = len(upper)
    constraints = [LinearConstraint(matrix, rhs, rhs)] if matrix.shape[0] else []
    found = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.asarray(upper, dtype=float)),
        options={"time_limit": 60},
    )
    return found.status, found.x


# ---------------------------------------------------------------------------------------------------------------
# Attack 1: the pseudonym fit
# ---------------------------------------------------------------------------------------------------------------


def pseudonym_fit(activities: pl.DataFrame, tables: dict[str, pl.DataFrame], regions: dict[str, set[str]]):
    """Place every pseudonym at one state and one organization type so that all published cells add up."""
    import scipy.sparse as sp

    orgs = sorted(set(tables[TYPE_ORG]["organization_type"]) - {ALL})
    states = sorted(set(tables[BY_STATE]["provider_state"]) - {ALL})
    groups = hierarchy("organization_type")
    pseudonyms = sorted(set(activities["provider"]))
    sums = (
        activities.with_columns(pl.col("report_year").cast(pl.Utf8))
        .group_by("provider", "report_year", "activity_type")
        .agg(
            pl.len().alias("activities"),
            pl.col("physician_interactions").sum(),
            pl.col("other_learner_interactions").sum(),
        )
    )
    variables: dict[tuple, int] = {}
    for p in pseudonyms:
        row = activities.filter(pl.col("provider") == p).row(0, named=True)
        allowed_orgs = [
            o for o in orgs if row["organization_type"] in (o, "*") or o in groups.get(row["organization_type"], set())
        ]
        region = row.get("census_region", "*")
        allowed_states = [s for s in states if region in ("*", None) or region in regions.get(s, {region})]
        for o in allowed_orgs:
            variables[("o", p, o)] = len(variables)
        for s in allowed_states:
            variables[("s", p, s)] = len(variables)
    rows, cols, vals, rhs = [], [], [], []

    def equation(terms: dict[int, float], value: float) -> None:
        at = len(rhs)
        for col, coefficient in terms.items():
            rows.append(at)
            cols.append(col)
            vals.append(coefficient)
        rhs.append(value)

    for p in pseudonyms:  # one organization type and one state per pseudonym
        equation({i: 1.0 for k, i in variables.items() if k[0] == "o" and k[1] == p}, 1.0)
        equation({i: 1.0 for k, i in variables.items() if k[0] == "s" and k[1] == p}, 1.0)
    amounts = {(r["provider"], r["report_year"], r["activity_type"]): r for r in sums.iter_rows(named=True)}
    for table, kind, dim in ((TYPE_ORG, "o", "organization_type"), (BY_STATE, "s", "provider_state")):
        for cell in tables[table].iter_rows(named=True):
            if cell[dim] == ALL or cell["activities"] is None:
                continue
            for m in MEASURES:
                terms: dict[int, float] = defaultdict(float)
                for (p, year, activity_type), amount in amounts.items():
                    if cell["report_year"] not in (ALL, year) or cell.get("activity_type", ALL) not in (
                        ALL,
                        activity_type,
                    ):
                        continue
                    index = variables.get((kind, p, cell[dim]))
                    if index is not None and amount[m]:
                        terms[index] += amount[m]
                equation(dict(terms), float(cell[m]))
    n = len(variables)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(rhs), n))
    status, x = solve(np.zeros(n), matrix, np.array(rhs), np.ones(n))
    if status != 0:
        return {}
    placed: dict[str, dict[str, str]] = defaultdict(dict)
    for (kind, p, value), i in variables.items():
        if x[i] > 0.5:
            placed[p]["organization_type" if kind == "o" else "provider_state"] = value
    return placed


def test_the_pseudonym_fit_places_no_provider_and_recovers_no_suppressed_cell(made):
    activities = published(made["root"] / "activities", "activities")
    if made["refused"] is not None:
        # the combination is never published: the register refused the tables release, saying why
        assert "provider" in activities.columns, f"a tables release was refused: {made['refused']}"
        assert "pseudonym fit" in made["refused"] and "refused by the joint audit" in made["refused"]
        assert not (made["root"] / "tables").exists()
        return
    if "provider" not in activities.columns:
        return  # no pseudonym to fit: attack 2 is what remains
    secret = bytes.fromhex((made["secrets"] / "activities.key").read_text().strip())
    rows = truth(made["db"])
    rows = rows.with_columns(pseudonymize(rows["provider_id"], secret, "P-", 12).alias("provider"))
    actual = {r["provider"]: r for r in rows.unique("provider", keep="last").iter_rows(named=True)}
    regions: dict[str, set[str]] = defaultdict(set)
    for state, region in rows.select("provider_state", "census_region").unique().iter_rows():
        regions[state].add(region)
    tables = {t: published(made["root"] / "tables", t) for t in (TYPE_ORG, BY_STATE)}
    placed = pseudonym_fit(activities, tables, regions)
    right = [
        p
        for p, found in placed.items()
        if found.get("provider_state") == actual[p]["provider_state"]
        and found.get("organization_type") == actual[p]["organization_type"]
    ]
    # with the fitted placement every suppressed cell of both tables follows
    recovered = 0
    for table in (TYPE_ORG, BY_STATE):
        dims = [
            d
            for d in tables[table].columns
            if d in ("activity_type", "organization_type", "provider_state", "report_year")
        ]
        fitted = rows.with_columns(
            pl.col("provider")
            .replace_strict({p: f.get("organization_type") for p, f in placed.items()}, default=None)
            .alias("organization_type"),
            pl.col("provider")
            .replace_strict({p: f.get("provider_state") for p, f in placed.items()}, default=None)
            .alias("provider_state"),
        )
        for cell in tables[table].filter(pl.col("activities").is_null()).iter_rows(named=True):
            key = {d: cell[d] for d in dims}
            value = cell_value(rows, key, "activities")
            recovered += LOW <= value <= HIGH and cell_value(fitted, key, "activities") == value
    assert not right, (
        f"the pseudonym fit placed {len(right)} of {len(actual)} providers at their true state and organization "
        f"type, and {recovered} suppressed cells' true activity counts of 1-10 follow from the fitted placement"
    )


# ---------------------------------------------------------------------------------------------------------------
# Attack 2: the count derivation from the rows
# ---------------------------------------------------------------------------------------------------------------


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


def test_no_suppressed_cell_is_counted_from_the_activity_rows_by_integer_programming(made):
    if made["refused"] is not None:
        activities = published(made["root"] / "activities", "activities")
        assert "provider" in activities.columns, f"a tables release was refused: {made['refused']}"
        pytest.skip(
            "the register refused the tables release next to an activities release with pseudonyms: the "
            "attacker holds no tables release to derive from"
        )
    table = published(made["root"] / "tables", TYPE_ORG)
    rows = published(made["root"] / "activities", "activities")
    found = count_derivation(rows, table, targets_of(table, truth(made["db"])))
    assert found, "no suppressed cell with a true value of 1-10 to attack: the test data lost its point"
    assert not disclosed(found), f"milp derives suppressed cells into [1, 10]: {disclosed(found)[:5]}"
