"""Loading semantics: idempotent reloads, full versus incremental exports, atomicity under kill -9."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.helpers import copy_export, fingerprint, query, read_manifest, set_manifest
from tests.helpers.loadcases import read_rows, set_cell, write_rows
from tests.helpers.loadchecks import pars_until
from warehouse.load import LoadError, load_export
from warehouse.synth import generate

ROOT = Path(__file__).resolve().parents[1]


def live(db: Path, table: str, key: str) -> set:
    """Keys whose latest version is not a deletion (what staging will read)."""
    rows = query(
        db,
        f"select {key} from raw.{table} qualify row_number() over "
        f"(partition by {key} order by _load_id desc) = 1 and not _is_deleted",
    )
    return {r[0] for r in rows}


def test_reloading_the_same_export_changes_nothing(base_export, db):
    """`db` (tests/conftest.py): a copy of the base export loaded once per session."""
    export_id = read_manifest(base_export)["export_id"]
    assert query(db, "select count(*) from raw.load_history where export_id = ?", [export_id]) == [(1,)]
    before = fingerprint(db)
    again = load_export(base_export, db)
    assert again.status == "already_loaded"
    assert fingerprint(db) == before


def test_same_data_under_a_new_export_id_adds_no_versions(base_export, db, tmp_path):
    """`db` (tests/conftest.py): a copy of the base export loaded once per session."""
    counts = {
        t: n
        for t, (n, _) in fingerprint(db).items()
        if t.startswith("raw.") and "quarantine" not in t and "load_history" not in t
    }
    copy = copy_export(base_export, tmp_path / "again", suffix="-again")
    result = load_export(copy, db)
    assert all(s.new_versions == 0 and s.deleted == 0 for s in result.files.values())
    after = {t: n for t, (n, _) in fingerprint(db).items() if t in counts}
    assert after == counts


def test_full_export_soft_deletes_what_it_no_longer_holds(base_export, db, tmp_path):
    export = copy_export(base_export, tmp_path / "next", suffix="-next")
    header, rows = read_rows(export, "activities")
    dropped = rows[-1][0]
    write_rows(export, "activities", header, rows[:-1])
    for child in (
        "activity_commercial_supporters",
        "activity_joint_providers",
        "activity_moc_registrations",
        "activity_rems",
        "activity_learner_professions",
        "learner_completions",
    ):
        h, r = read_rows(export, child)
        write_rows(export, child, h, [x for x in r if x[h.index("activity_id")] != dropped])
    result = load_export(export, db)
    assert result.files["activities.csv"].deleted == 1
    assert dropped not in live(db, "activities", "activity_id")
    tomb = query(db, "select _export_id from raw.activities where activity_id = ? and _is_deleted", [dropped])
    assert tomb == [(read_manifest(export)["export_id"],)]
    # every version is kept: the deleted activity's earlier row is still there
    assert query(db, "select count(*) from raw.activities where activity_id = ?", [dropped]) == [(2,)]


def test_full_export_does_not_delete_other_years(multi_year_export, tmp_path):
    db = tmp_path / "w.duckdb"
    load_export(multi_year_export, db)
    export = copy_export(multi_year_export, tmp_path / "y2020", suffix="-2020only")
    set_manifest(export, reporting_years=[2020])
    header, rows = read_rows(export, "activities")
    keep = [r for r in rows if r[header.index("reporting_year")] == "2020"]
    write_rows(export, "activities", header, keep)
    kept_ids = {r[0] for r in keep}
    for child in (
        "activity_commercial_supporters",
        "activity_joint_providers",
        "activity_moc_registrations",
        "activity_rems",
        "activity_learner_professions",
        "learner_completions",
    ):
        h, r = read_rows(export, child)
        write_rows(export, child, h, [x for x in r if x[h.index("activity_id")] in kept_ids])
    h, r = read_rows(export, "program_summaries")
    write_rows(export, "program_summaries", h, [x for x in r if x[1] == "2020"])
    before = live(db, "activities", "activity_id")
    result = load_export(export, db)
    assert sum(s.deleted for s in result.files.values()) == 0
    assert live(db, "activities", "activity_id") == before


def test_incremental_export_upserts_and_never_deletes(base_export, db, tmp_path):
    export = copy_export(base_export, tmp_path / "inc", suffix="-inc")
    set_manifest(export, kind="incremental")
    header, rows = read_rows(export, "activities")
    changed = rows[0]
    changed[header.index("physician_learners")] = str(int(changed[header.index("physician_learners")]) + 7)
    write_rows(export, "activities", header, [changed])
    for child in (
        "activity_commercial_supporters",
        "activity_joint_providers",
        "activity_moc_registrations",
        "activity_rems",
        "activity_learner_professions",
        "learner_completions",
        "accreditation_decisions",
        "decision_findings",
        "program_summaries",
    ):
        h, _ = read_rows(export, child)
        write_rows(export, child, h, [])
    before = live(db, "activities", "activity_id")
    result = load_export(export, db)
    assert result.files["activities.csv"].new_versions == 1
    assert sum(s.deleted for s in result.files.values()) == 0
    assert live(db, "activities", "activity_id") == before
    got = query(
        db,
        "select physician_learners from raw.activities where activity_id = ? order by _load_id desc limit 1",
        [changed[0]],
    )
    assert got == [(int(changed[header.index("physician_learners")]),)]


def test_a_failed_first_load_leaves_no_warehouse(export_copy, tmp_path):
    (export_copy / "activities.csv").write_bytes(b"")
    db = tmp_path / "new.duckdb"
    with pytest.raises(LoadError, match="empty file"):
        load_export(export_copy, db)
    assert not db.exists()


def test_kill_9_during_a_first_load_leaves_no_warehouse(larger_export, tmp_path):
    """A first load writes a file beside the warehouse's name and renames it when the load has committed: a kill
    at any moment leaves no warehouse (before, a schema-less file that every later build failed on), and the next
    load clears what the killed one left."""
    db = tmp_path / "first.duckdb"
    proc, _ = pars_until(["load", str(larger_export), "--db", str(db)], "validating activities.csv", ROOT)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not db.exists()
    left = {p.name for p in tmp_path.iterdir()}
    assert load_export(larger_export, db).status == "loaded"
    assert query(db, "select count(*) from raw.load_history") == [(1,)]
    # the killed load left its file (and the lock and spill folder every load has); the next load removed it
    assert ".first.duckdb.first-load" in left
    assert {p.name for p in tmp_path.iterdir()} - left <= {"first.duckdb", "first.duckdb.loads.jsonl"}
    assert sorted(p.name for p in tmp_path.iterdir() if "first-load" in p.name) == []


def load_larger_args(export: Path, db: Path) -> list[str]:
    """The larger export loaded into `db`: a deliberate mass deletion of the base export's records."""
    return ["load", str(export), "--db", str(db), "--allow-deletions", "100%"]


@pytest.fixture(scope="module")
def larger_export(tmp_path_factory) -> Path:
    """Large enough that a load takes a couple of seconds, so a kill lands mid-way."""
    out = tmp_path_factory.mktemp("larger") / "export"
    generate(out, scale=0.05, years=(2022, 2022), seed=3)
    return out


@pytest.mark.parametrize(
    "stage",
    [
        "reading activities.csv",
        "validating learner_completions.csv",
        "checking references",
        "writing the warehouse",
    ],
)
def test_kill_9_during_a_load_leaves_the_warehouse_unchanged(larger_export, db, stage):
    """`db` (tests/conftest.py): a copy of the base export loaded once per session."""
    before = fingerprint(db)
    # the larger export (another seed) drops most child records of the base export: a deliberate mass deletion
    proc, seen = pars_until(load_larger_args(larger_export, db), stage, ROOT)
    time.sleep(0.05)  # inside the step, not at its edge
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the load finished before the kill: {seen}"
    assert fingerprint(db) == before
    # and the warehouse still works: the interrupted export loads in full afterwards
    result = load_export(larger_export, db, allow_deletions="100%")
    assert result.status == "loaded"


def test_ctrl_c_during_a_load_says_so_in_one_line_and_changes_nothing(larger_export, db):
    """SIGINT mid-query reached the user as a traceback (DuckDB's "Query interrupted"), logged as a RuntimeError.
    (Its step: a long DuckDB statement, where the interrupt arrives as DuckDB's error, not as KeyboardInterrupt.)"""
    stage = "validating learner_completions.csv"
    before = fingerprint(db)
    proc, seen = pars_until(load_larger_args(larger_export, db), stage, ROOT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    seen += proc.stderr.readlines()
    proc.wait(timeout=60)
    text = "".join(seen)
    assert proc.returncode == 1, text
    assert "Traceback" not in text
    assert "Error: interrupted (Ctrl-C): nothing was loaded; the warehouse was not changed" in text
    assert fingerprint(db) == before
    last = json.loads(db.with_name(db.name + ".loads.jsonl").read_text().splitlines()[-1])
    assert (last["outcome"], last["rule"]) == ("interrupted", "interrupted")


def test_load_report_json_accounts_for_every_row(base_export, tmp_path):
    from click.testing import CliRunner

    from warehouse.cli import main

    report = tmp_path / "load.json"
    out = CliRunner().invoke(
        main, ["load", str(base_export), "--db", str(tmp_path / "w.duckdb"), "--report", str(report)]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(report.read_text())
    assert data["status"] == "loaded"
    for name, s in data["files"].items():
        assert s["read"] == s["loaded"] + sum(s["quarantined"].values()) + s["duplicates"], name
    assert "activities.csv" in out.output


def test_cli_load_stops_with_a_clear_message_and_exit_1(export_copy, tmp_path):
    from click.testing import CliRunner

    from warehouse.cli import main

    set_cell(export_copy, "providers", 0, "provider_name", "x")
    (export_copy / "providers.csv").write_bytes(b"\x1f\x8b\x08\x00junk")
    out = CliRunner().invoke(main, ["load", str(export_copy), "--db", str(tmp_path / "w.duckdb")])
    assert out.exit_code == 1
    assert "providers.csv: gzip-compressed" in out.output
    assert "the warehouse was not changed" in out.output
