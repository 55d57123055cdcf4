"""The dominance rule (anonymize/tables/dominance.py) and its protection levels in the LP audit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from anonymize.tables import suppress, with_margins
from anonymize.tables.dominance import (
    aligned,
    contributions,
    dominated,
    is_dominated,
    protection_levels,
)
from anonymize.tables.linear_audit import ALL, Auditor, audit_protection


@pytest.mark.parametrize(
    ("total", "x1", "x2", "n", "expected"),
    [
        (0, 0, 0, 0, False),  # an empty cell is publishable
        (500, 500, 0, 1, True),  # one provider: its own figure
        (500, 300, 200, 2, True),  # two providers: each knows the other's
        (300, 100, 100, 3, False),  # three equal providers: remainder 100 >= 10
        (1000, 900, 95, 3, True),  # remainder 5 < 90: the second estimates the first within 10%
        (1000, 900, 10, 3, False),  # remainder 90 is exactly 10% of 900: not < , so safe
        (1000, 900, 11, 4, True),  # remainder 89 < 90
    ],
)
def test_p_percent_rule_and_minimum_of_three(total, x1, x2, n, expected):
    assert is_dominated(total, x1, x2, n) is expected


def test_contributions_count_providers_not_rows_and_cover_margins():
    rows = pl.DataFrame(
        {
            "state": ["A", "A", "A", "A", "B", "B", "B"],
            "provider": ["p1", "p1", "p1", "p2", "p3", "p4", "p5"],
            "hours": [40.0, 30.0, 20.0, 10.0, 10.0, 10.0, 10.0],
        }
    )
    stats = contributions(rows, ["state"], ["hours"], "provider")
    by = {r["state"]: r for r in stats.iter_rows(named=True)}
    # four activity rows in A, but two providers: p1 with 90, p2 with 10
    assert (by["A"]["hours"], by["A"]["hours__x1"], by["A"]["hours__x2"], by["A"]["hours__n"]) == (100, 90, 10, 2)
    assert (by["B"]["hours__n"], by[ALL]["hours__n"], by[ALL]["hours__x1"], by[ALL]["hours__x2"]) == (3, 5, 90, 10)
    assert dominated(stats, "hours").to_list() == [True, False, False]  # A (n=2); All: 130-90-10=30 >= 9; B
    need = protection_levels(stats, "hours", dominated(stats, "hours").to_numpy())
    assert need.tolist() == [9, 0, 0]  # 10% of the largest contribution, 90


def test_zero_contributions_do_not_count_as_providers():
    rows = pl.DataFrame({"s": ["A"] * 3, "provider": ["p1", "p2", "p3"], "interactions": [500, 0, 0]})
    stats = contributions(rows, ["s"], ["interactions"], "provider")
    assert stats.filter(pl.col("s") == "A")["interactions__n"].item() == 1
    assert dominated(stats, "interactions").to_list() == [True, True]


def test_negative_contributions_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        contributions(pl.DataFrame({"s": ["A"], "u": ["p"], "m": [-1.0]}), ["s"], ["m"], "u")


def _table():
    """Two states x two types; cell (A, x) is one provider's 1,000 hours; every count is above 10."""
    rows = pl.DataFrame(
        {
            "state": ["A", "A", "A", "A", "B", "B", "B", "B", "B", "B"],
            "kind": ["x", "y", "y", "y", "x", "x", "x", "y", "y", "y"],
            "provider": ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"],
            "hours": [1000, 40, 50, 60, 20, 30, 25, 300, 200, 100],
            "activities": [20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
        }
    )
    interior = rows.group_by(["state", "kind"]).agg(pl.col("hours").sum(), pl.col("activities").sum())
    table = with_margins(interior, ["state", "kind"], ["activities", "hours"])
    stats = aligned(contributions(rows, ["state", "kind"], ["hours"], "provider"), table, ["state", "kind"])
    return table, stats


def test_dominated_cell_is_suppressed_with_complements_that_protect_it_by_p_percent():
    table, stats = _table()
    need = protection_levels(stats, "hours", dominated(stats, "hours").to_numpy())
    dims = ["state", "kind"]
    cell = table.with_row_index().filter((pl.col("state") == "A") & (pl.col("kind") == "x"))["index"].item()
    assert need[cell] == 100
    plain = suppress(table, dims, "activities")  # the count rule alone publishes the dominated cell
    assert not plain.mask[cell]
    result = suppress(table, dims, "activities", protection={"hours": need})
    assert result.mask[cell] and result.published["hours"][cell] is None
    assert result.published["activities"][cell] is None  # suppressed in every measure
    assert result.dominance_primary == int((need > 0).sum())
    found = {tuple(i.cell.values()): i for i in result.audits["hours (p% rule)"]}
    interval = found[("A", "x")]
    assert interval.lo <= 1000 - 100 and interval.hi >= 1000 + 100 and interval.protected
    assert result.report()["audited_measures"]["hours (p% rule)"]["exposed"] == 0


def test_audit_flags_a_suppression_pattern_too_narrow_for_the_p_percent_rule():
    table, stats = _table()
    dims = ["state", "kind"]
    need = protection_levels(stats, "hours", dominated(stats, "hours").to_numpy())
    keys = table.select(dims).rows()
    mask = np.array([k in {("A", "x"), ("B", "x"), ("A", "y"), ("B", "y")} for k in keys])
    values = table["hours"].to_numpy()
    narrow = audit_protection(Auditor(table, dims, values), table, dims, mask, need)
    # (A, x) with its complements (B, x) = 75, (A, y), (B, y): the published margins let A x grow by at most B x's
    # 75 hours, less than the 100 (10% of 1,000) it needs above its value; the [1, 10] rule would call it safe
    by = {tuple(i.cell.values()): i for i in narrow}
    assert by[("A", "x")].hi == 1000 + 75 and by[("A", "x")].lo < 900 and not by[("A", "x")].protected


def test_data_report_cells_follow_the_rule_across_accreditor_groups():
    """Hand-made provider-years: the Joint group's only provider is primary in every income line it has, and a
    complement keeps it from coming back as All minus ACCME minus State."""
    from anonymize.tables.data_report import INCOME_SOURCES, REASON, suppressed_cells

    def provider(pid, group, org, fees):
        row = dict.fromkeys(INCOME_SOURCES, 0.0)
        row.update(
            registration_fees=fees,
            report_year=2022,
            accreditor_type=group,
            organization_type=org,
            provider_id=pid,
            is_reporting=True,
        )
        return row

    years = pl.DataFrame(
        [
            provider("a", "ACCME", "X", 100.0),
            provider("b", "ACCME", "X", 120.0),
            provider("c", "ACCME", "X", 90.0),
            provider("d", "State", "X", 110.0),
            provider("e", "State", "X", 95.0),
            provider("f", "State", "X", 105.0),
            provider("g", "Joint", "X", 5000.0),
        ]
    )
    empty_activities = pl.DataFrame(
        schema={
            "report_year": pl.Int32,
            "accreditor_type": pl.Utf8,
            "organization_type": pl.Utf8,
            "activity_type": pl.Utf8,
            "provider_id": pl.Utf8,
            "hours_of_instruction": pl.Float64,
            "physician_interactions": pl.Int64,
            "other_learner_interactions": pl.Int64,
        }
    )
    empty_professions = pl.DataFrame(
        schema={
            "report_year": pl.Int32,
            "accreditor_type": pl.Utf8,
            "profession": pl.Utf8,
            "provider_id": pl.Utf8,
            "learner_count": pl.Int64,
        }
    )
    cells = suppressed_cells(empty_activities, years, empty_professions, ["X"], [])
    # one provider dominating the grand total: no pattern can protect it, so every figure of the system is withheld
    tiny = pl.DataFrame(
        [provider("a", "ACCME", "X", 5000.0), provider("b", "State", "X", 10.0), provider("c", "State", "X", 10.0)]
    )
    withheld = suppressed_cells(empty_activities, tiny, empty_professions, ["X"], []).filter(
        (pl.col("source_model") == "income_by_organization_type") & (pl.col("measure") == "registration_fees")
    )
    assert sorted(withheld["accreditor_group"].to_list()) == ["ACCME", "ACCME", "All", "All", "State", "State"]
    by_type = cells.filter(pl.col("source_model") == "income_by_organization_type")
    joint = by_type.filter((pl.col("accreditor_group") == "Joint") & (pl.col("measure") == "registration_fees"))
    assert joint["is_primary"].to_list() == [True, True] and joint["reason"][0] == REASON  # rows X and All
    # All = ACCME + State + Joint would give Joint back: for both rows one of All (5,620, remainder 500, exactly 10%
    # of g's 5,000: not dominated), ACCME and State is suppressed as its complement
    others = by_type.filter(
        pl.col("accreditor_group").is_in(["All", "ACCME", "State"]) & (pl.col("measure") == "registration_fees")
    )
    assert sorted(set(others["row_key"].to_list())) == ["All", "X"] and not others["is_primary"].any()
    quartiles = cells.filter(pl.col("source_model") == "provider_quartiles_by_organization_type")
    assert set(quartiles["accreditor_group"].to_list()) == {"Joint"} and quartiles.height == 6
