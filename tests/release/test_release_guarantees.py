"""`pars release`: each profile's guarantees re-checked from its published files against the built warehouse: k and
l over providers (activities), k over everything released (learners), no small cell and every suppressed cell
protected across the linked tables (tables), and the privacy budget and errors of differentially private tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
from click.testing import CliRunner

from anonymize.tables.linear_audit import ALL, audit
from tests.helpers import query
from warehouse.cli import main


def test_activities_k_over_providers_and_l_on_commercial_support(releases, built_warehouse):
    frame = pl.read_parquet(releases["activities"] / "data" / "activities.parquet")
    qis = ["organization_type", "accreditor_type"]
    assert frame.height == query(built_warehouse, "select count(*) from research.activities")[0][0]
    assert not {"provider", "provider_id", "census_region", "provider_state"} & set(frame.columns)
    # every released class is shared by at least 11 providers: count the providers whose values generalize to it
    trees = {
        q: {
            line.split(";")[0]: set(line.split(";"))
            for line in (Path(__file__).parents[2] / "anonymize" / "release" / "hierarchies" / f"{q}.csv")
            .read_text()
            .splitlines()
        }
        for q in qis
    }
    providers = query(
        built_warehouse, "select distinct provider_id, organization_type, accreditor_type from research.activities"
    )
    classes = frame.group_by(qis).agg(pl.col("has_commercial_support").n_unique().alias("l"))
    for row in classes.to_dicts():
        fitting = [
            p
            for p, *values in providers
            if all(row[q] == "*" or row[q] in trees[q][v] for q, v in zip(qis, values, strict=True))
        ]
        assert len(fitting) >= 11, row
    assert classes["l"].min() >= 2
    risk = json.loads((releases["activities"] / "risk_report.json").read_text())
    assert risk["tables"]["activities"]["k"] >= 11 and risk["tables"]["activities"]["unit"] == "provider"
    assert all(g["ok"] for g in risk["guarantees"])
    # the utility block states the shares of the file itself
    utility = risk["tables"]["activities"]["utility"]
    assert utility["rows"] == frame.height
    for column in [*qis, "activity_type", "activity_format_group"]:
        shares = utility["columns"][column]
        assert shares["kept"] == round(float((frame[column] != "*").mean()), 4), column
        assert abs(shares["kept"] + shares["suppressed_for_k"] + shares["hidden_with_tables_cells"] - 1) < 1e-3


def test_learners_every_row_matches_ten_others_on_everything_released(releases, built_warehouse):
    frame = pl.read_parquet(releases["learners"] / "data" / "learners.parquet")
    released = [c for c in frame.columns if c != "learner"]
    sizes = frame.group_by(released).len()["len"]
    assert sizes.min() >= 11
    accepted = query(
        built_warehouse,
        "select count(distinct learner_key) from research.learner_completions where completion_status = 'Accepted'",
    )[0][0]
    assert frame.height == accepted and frame["learner"].n_unique() == accepted
    assert frame["learner"].str.starts_with("L-").all()
    risk = json.loads((releases["learners"] / "risk_report.json").read_text())["tables"]["learners"]
    assert risk["k"] == sizes.min() and risk["suppressed_share"] <= 0.04
    assert risk["prosecutor_risk"]["max"] <= 1 / 11 + 1e-12


def _published(folder: Path, table: str, dims: list[str]) -> pl.DataFrame:
    return pl.read_csv(folder / "data" / f"{table}.csv", infer_schema=False).with_columns(
        pl.col(c).cast(pl.Float64)
        for c in (
            "activities",
            "hours_of_instruction",
            "physician_interactions",
            "other_learner_interactions",
            "completions",
        )
        if c in pl.read_csv(folder / "data" / f"{table}.csv", n_rows=1).columns
    )


def test_tables_no_small_cell_and_every_suppressed_cell_protected_across_linked_tables(releases, built_warehouse):
    folder = releases["tables"]
    by_type = _published(
        folder, "activities_by_type_organization_year", ["activity_type", "organization_type", "report_year"]
    )
    by_state = _published(folder, "activities_by_state_year", ["provider_state", "report_year"])
    counts = ["activities", "physician_interactions", "other_learner_interactions"]
    for frame in (by_type, by_state):
        for c in counts:
            published = frame[c].drop_nulls()
            assert not ((published >= 1) & (published <= 10)).any(), c
    # the shared cells (national total per year) agree and are suppressed alike
    shared_type = by_type.filter((pl.col("activity_type") == ALL) & (pl.col("organization_type") == ALL))
    shared_state = by_state.filter(pl.col("provider_state") == ALL)
    assert (
        shared_type.select("report_year", *counts)
        .sort("report_year")
        .equals(shared_state.select("report_year", *counts).sort("report_year"))
    )
    # re-audit independently: true values from the warehouse, the mask from the published files, one linked system
    truth = {
        (t, o, y): (a, p, x)
        for t, o, y, a, p, x in query(
            built_warehouse,
            """
            select activity_type, organization_type, report_year::varchar, count(*), sum(physician_interactions),
                   sum(other_learner_interactions) from research.activities group by all""",
        )
    }
    states = {
        (s, y): (a, p, x)
        for s, y, a, p, x in query(
            built_warehouse,
            """
            select provider_state, report_year::varchar, count(*), sum(physician_interactions),
                   sum(other_learner_interactions) from research.activities group by all""",
        )
    }
    stacked = pl.concat(
        [
            by_type.with_columns(pl.lit(ALL).alias("provider_state")),
            by_state.with_columns(pl.lit(ALL).alias("activity_type"), pl.lit(ALL).alias("organization_type")),
        ],
        how="diagonal",
    ).unique(subset=["activity_type", "organization_type", "provider_state", "report_year"])
    dims = ["activity_type", "organization_type", "provider_state", "report_year"]
    stacked = stacked.sort(dims)
    mask = stacked["activities"].is_null().to_numpy()
    assert mask.any()

    def true_value(row, i):
        t, o, s, y = row
        if s == ALL:
            keys = [k for k in truth if (t in (ALL, k[0])) and (o in (ALL, k[1])) and (y in (ALL, k[2]))]
            return sum(truth[k][i] for k in keys)
        keys = [k for k in states if s == k[0] and (y in (ALL, k[1]))]
        return sum(states[k][i] for k in keys)

    rows = stacked.select(dims).rows()
    for i, measure in enumerate(counts):
        values = np.array([true_value(r, i) for r in rows], dtype=np.int64)
        published = stacked[measure].to_numpy()
        assert np.array_equal(values[~mask], published[~mask].astype(np.int64)), measure
        checked = audit(stacked.with_columns(pl.Series(measure, values)), dims, measure, mask)
        assert checked and all(c.protected for c in checked), [c for c in checked if not c.protected][:3]
    risk = json.loads((folder / "risk_report.json").read_text())
    assert risk["systems"]["activities"]["exposed"] == 0
    # the published report states each suppressed cell's interval, never the value it hides
    intervals = risk["systems"]["activities"]["intervals"]
    assert len(intervals) == int(mask.sum()) and all(set(i) == {"cell", "lo", "hi", "protected"} for i in intervals)
    assert '"value"' not in (folder / "risk_report.json").read_text()
    assert risk["systems"]["activities"]["primary_suppressed"] + risk["systems"]["activities"][
        "secondary_suppressed"
    ] == int(mask.sum())


def test_audit_of_linked_tables_catches_what_one_table_alone_hides():
    # Table A (by type) hides t0 = 4 and its total 34, publishing t1 = 30: audited alone, t0 could be anything.
    # Table B (by state) publishes 17 + 17 = 34, the same total: together they pin t0 to exactly 4. Stacking
    # both into one system, as the tables profile does, must catch it.
    a = pl.DataFrame({"type": ["t0", "t1", ALL], "n": [4, 30, 34]})
    mask_a = (a["type"] != "t1").to_numpy()
    assert all(i.protected for i in audit(a, ["type"], "n", mask_a))
    stacked = pl.DataFrame(
        {
            "type": ["t0", "t1", ALL, ALL, ALL],
            "state": [ALL, ALL, ALL, "s0", "s1"],
            "n": [4, 30, 34, 17, 17],
        }
    )
    mask = np.array([True, False, True, False, False])
    found = {(i.cell["type"], i.cell["state"]): i for i in audit(stacked, ["type", "state"], "n", mask)}
    assert (found[("t0", ALL)].lo, found[("t0", ALL)].hi) == (4, 4) and not found[("t0", ALL)].protected


def test_dp_tables_spend_the_stated_epsilon_and_report_errors(built_warehouse, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "release",
            "tables",
            "--db",
            str(built_warehouse),
            "--out",
            str(tmp_path / "dp"),
            "--secret-file",
            str(tmp_path / "k"),
            "--dp",
            "0.5",
        ],
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "dp"
    risk = json.loads((folder / "risk_report.json").read_text())
    dp = risk["systems"]["completions"]["dp"]["completions_by_board_year"]
    assert abs(risk["epsilon"] - 0.5) < 1e-9 and abs(dp["epsilon"] - 0.5) < 1e-9
    assert dp["contribution_bound"] == 30 and dp["privacy_unit"] == "learner"
    table = pl.read_csv(folder / "data" / "completions_by_board_year.csv", schema_overrides={"report_year": pl.Utf8})
    interior = table.filter((pl.col("board") != ALL) & (pl.col("report_year") != ALL))
    years = query(built_warehouse, "select distinct unnest(reporting_years) from raw.load_history")
    assert interior.height == 8 * len(years)  # the public key set, zeros included
    assert (
        table.filter((pl.col("board") == ALL) & (pl.col("report_year") == ALL))["completions"][0]
        == interior["completions"].sum()
    )
    assert (interior["completions_error_95"] == dp["error_95_interior"]).all()
    assert table["completions_error_95"].max() > dp["error_95_interior"]  # margins sum several noises
    # the noise is real: the noisy interior differs from the clipped truth somewhere
    truth = dict(
        ((b, str(y)), n)
        for b, y, n in query(
            built_warehouse,
            """
        select board, completion_year, count(*) from research.learner_completions
        where completion_status = 'Accepted' group by all""",
        )
    )
    assert any(truth.get((b, y), 0) != n for b, y, n in interior.select("board", "report_year", "completions").rows())
    assert json.loads((folder / "manifest.json").read_text())["reproducible"] is False
