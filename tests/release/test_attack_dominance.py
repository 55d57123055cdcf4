"""Dominated magnitude cells (issue 13, items 4 and 9): the adversary, knowing ACCME's directory, reads a provider's
own figures from a published cell that one or two providers make up.

For every published magnitude cell (hours, physician and other learner interactions) of the tables release, the
contributions per provider are counted from the warehouse's identified data (research.activities), independently
of the release code, and the p% rule (p = 10) with at least 3 contributing providers is applied: no published cell
may fail it. Before: the threshold counted activities, so a state cell of 41 activities and thousands of physician
interactions from one provider was published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from anonymize.tables.linear_audit import ALL

P = 10
TABLES = {
    "activities_by_type_organization_year": ["activity_type", "organization_type", "report_year"],
    "activities_by_state_year": ["provider_state", "report_year"],
}
MAGNITUDES = ["hours_of_instruction", "physician_interactions", "other_learner_interactions"]


@pytest.fixture(scope="module")
def made(attack_releases) -> dict[str, Path]:
    return attack_releases


@pytest.fixture(scope="module")
def identified(made) -> pl.DataFrame:
    con = duckdb.connect(str(made["db"]), read_only=True)
    try:
        return con.sql("""
            select activity_type, organization_type, coalesce(provider_state, 'None') as provider_state,
                report_year::varchar as report_year, provider_id, hours_of_instruction::double as hours_of_instruction,
                physician_interactions, other_learner_interactions
            from research.activities""").pl()
    finally:
        con.close()


def _failing(total: float, contributions: list[float]) -> str | None:
    """Why a cell fails the rule (None when it passes), from the per-provider contributions."""
    nonzero = sorted((c for c in contributions if c > 0), reverse=True)
    if total == 0 or not nonzero:
        return None
    if len(nonzero) < 3:
        return f"{len(nonzero)} provider(s)"
    x1, x2 = nonzero[0], nonzero[1]
    if total - x1 - x2 < P / 100 * x1:
        return f"largest provider {x1:g} of {total:g} (second {x2:g})"
    return None


@pytest.mark.parametrize("table", list(TABLES))
def test_no_published_magnitude_cell_is_dominated(made, identified, table):
    dims = TABLES[table]
    published = pl.read_csv(made["tables"] / "data" / f"{table}.csv", infer_schema=False)
    failures, checked = [], 0
    for row in published.iter_rows(named=True):
        rows = identified.filter(
            pl.all_horizontal([pl.lit(True)] + [pl.col(d) == row[d] for d in dims if row[d] != ALL])
        )
        per_provider = rows.group_by("provider_id").agg(pl.col(m).sum() for m in MAGNITUDES)
        for m in MAGNITUDES:
            if row[m] is None:
                continue  # suppressed: nothing published
            checked += 1
            why = _failing(float(rows[m].sum()), per_provider[m].to_list())
            if why:
                failures.append(({d: row[d] for d in dims}, m, row[m], why))
    assert checked > 0
    assert not failures, (
        f"{len(failures)} of {checked} published magnitude cells fail the p% rule or have fewer "
        f"than 3 providers, e.g. {failures[:4]}"
    )


def test_risk_report_states_the_dominance_rule_and_its_audit(made):
    import json

    risk = json.loads((made["tables"] / "risk_report.json").read_text())
    system = risk["systems"]["activities"]
    assert system["dominance"]["p"] == P and system["dominance"]["min_providers"] == 3
    assert system["dominance"]["primary_suppressed"] > 0
    names = {g["name"]: g for g in risk["guarantees"]}
    rule = next(g for n, g in names.items() if "p% rule" in n)
    assert rule["ok"] and rule["achieved"] == 0
