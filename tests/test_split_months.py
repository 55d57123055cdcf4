"""`split_months`: monthly incremental exports that, loaded in order, give the live state of the full export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import query
from warehouse.cli import main
from warehouse.contract import FILES
from warehouse.load import load_export
from warehouse.load.raw import latest_sql
from warehouse.synth.months import split_months


def live_rows(db: Path) -> dict[str, list[tuple]]:
    """The latest live version of every record of every raw table, content columns only, sorted."""
    out = {}
    for spec in FILES:
        cols = ", ".join(spec.column_names)
        out[spec.name] = sorted(query(db, f"select {cols} from {latest_sql(spec)}"), key=repr)
    return out


@pytest.fixture(scope="module")
def months(base_export, tmp_path_factory) -> list[Path]:
    return split_months(base_export, tmp_path_factory.mktemp("split") / "months")


def test_months_are_incremental_exports_with_every_file(base_export, months):
    full = json.loads((base_export / "manifest.json").read_text())
    assert [m.name for m in months][:2] == ["month-2022-01", "month-2022-02"]
    assert months[-1].name == "month-" + full["exported_at"][:7]  # through the month of the export
    ids = set()
    for month in months:
        manifest = json.loads((month / "manifest.json").read_text())
        assert manifest["kind"] == "incremental"
        assert manifest["reporting_years"] == full["reporting_years"]
        assert manifest["exported_at"] <= full["exported_at"]
        ids.add(manifest["export_id"])
        for spec in FILES:
            with open(month / f"{spec.name}.csv", newline="") as fh:
                assert next(csv.reader(fh)) == list(spec.column_names), (month.name, spec.name)
    assert len(ids) == len(months)


def test_loading_the_months_in_order_gives_the_live_state_of_the_full_export(loaded_db, months, tmp_path):
    """loaded_db (tests/conftest.py) is the base export loaded whole, once per session."""
    full_db, months_db = loaded_db, tmp_path / "months.duckdb"
    for month in months:
        result = load_export(month, months_db)
        quarantined = {f: s.quarantined for f, s in result.files.items() if s.quarantined}
        assert not quarantined, (month.name, quarantined)  # no child ever arrives before its parent
    assert live_rows(months_db) == live_rows(full_db)
    # closed activities were first loaded as Active: real new versions, not one version per record
    versions = query(months_db, "select count(*), count(distinct activity_id) from raw.activities")[0]
    assert versions[0] > versions[1]
    opened = query(
        months_db,
        "select count(*) from raw.activities where status = 'Active' and activity_id in "
        "(select activity_id from raw.activities where status = 'Closed')",
    )[0][0]
    assert opened == versions[0] - versions[1]
    # each record arrives in the month of its date (clamped to the first month), never later
    moved = query(
        months_db,
        """
        select count(*) from raw.learner_completions
        where strftime(reported_date, '%Y-%m') > '2022-01' and strftime(reported_date, '%Y-%m') <> right(_export_id, 7)
    """,
    )
    assert moved == [(0,)]


def test_cli_split_months(base_export, tmp_path):
    out = CliRunner().invoke(main, ["split-months", str(base_export), "--out", str(tmp_path / "m")])
    assert out.exit_code == 0, out.output
    assert "month-2022-01" in out.output and "monthly exports" in out.output
    again = CliRunner().invoke(main, ["split-months", str(base_export), "--out", str(tmp_path / "m")])
    assert again.exit_code != 0 and "not an empty directory" in again.output
