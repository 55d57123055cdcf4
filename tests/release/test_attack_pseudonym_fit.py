"""The adversary reads the tables release and the activities release together (issue 13, items 3 and 9): the
pseudonym fit, an integer program with scipy.optimize.milp on the releases of differencing_attacker.py.

The pseudonym fit (activities profile version 1, rows carry a `provider` pseudonym): assign each pseudonym one state
and one organization type (binaries, restricted to what its released attributes allow) so that its rows add up to
every published cell of both activity tables, in every disclosure measure. Before: the fit put all 14 pseudonyms of
this warehouse at their true state and organization type and recovered the suppressed cells. Now the register's
joint audit refuses the tables release next to an activities release with pseudonyms, so the attacker never holds
both; once the activities release has no pseudonym, the fit has nothing to fit (what remains is the count
derivation, test_attack_count_derivation.py).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl

from anonymize.release.pseudonyms import pseudonymize

from .differencing_attacker import ALL, BY_STATE, HIGH, LOW, MEASURES, TYPE_ORG, cell_value, hierarchy, published, truth


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


def test_the_pseudonym_fit_places_no_provider_and_recovers_no_suppressed_cell(both_releases):
    activities = published(both_releases["root"] / "activities", "activities")
    if both_releases["refused"] is not None:
        # the combination is never published: the register refused the tables release, saying why
        assert "provider" in activities.columns, f"a tables release was refused: {both_releases['refused']}"
        assert "pseudonym fit" in both_releases["refused"] and "refused by the joint audit" in both_releases["refused"]
        assert not (both_releases["root"] / "tables").exists()
        return
    if "provider" not in activities.columns:
        return  # no pseudonym to fit: the count derivation is what remains
    secret = bytes.fromhex((both_releases["secrets"] / "activities.key").read_text().strip())
    rows = truth(both_releases["db"])
    rows = rows.with_columns(pseudonymize(rows["provider_id"], secret, "P-", 12).alias("provider"))
    actual = {r["provider"]: r for r in rows.unique("provider", keep="last").iter_rows(named=True)}
    regions: dict[str, set[str]] = defaultdict(set)
    for state, region in rows.select("provider_state", "census_region").unique().iter_rows():
        regions[state].add(region)
    tables = {t: published(both_releases["root"] / "tables", t) for t in (TYPE_ORG, BY_STATE)}
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
