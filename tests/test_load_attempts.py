"""Every `pars load` attempt is recorded, a refused one with its message (issue 14, item 4).

The record is `<db>.loads.jsonl` beside the warehouse (warehouse/load/attempts.py), not a table in it: a refused
load must leave the warehouse exactly as it was (tests.helpers.fingerprint, tests/security), and a failed first load
leaves no warehouse at all, yet both attempts must be found afterwards.

Old code: nothing recorded a refused load (no log beside the warehouse; raw.load_history holds loads that
committed only), so the data operations page could not show it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from security.snapcases import drop_file_entries, error_line, run_load

from tests.helpers import copy_export, fingerprint, query


def log_of(db: Path) -> Path:
    return db.with_name(db.name + ".loads.jsonl")


def entries(db: Path) -> list[dict]:
    return [json.loads(line) for line in log_of(db).read_text().splitlines()]


def message_of(line: str) -> str:
    """The CLI's error line without its frame: what the record must hold."""
    return line.removeprefix("Error: ").removesuffix("; the warehouse was not changed")


def cut_activities(export: Path, share: float) -> None:
    path = export / "activities.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: 1 + int((len(lines) - 1) * share)]))


def test_a_refused_mass_deletion_is_recorded_with_its_message(export_copy, db):
    drop_file_entries(export_copy)
    cut_activities(export_copy, 0.7)
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1
    line = error_line(out)
    assert fingerprint(db) == before  # the record is not in the warehouse
    last = entries(db)[-1]
    assert last["outcome"] == "refused"
    assert last["rule"] == "mass_deletion"
    assert last["file"] == "activities.csv"
    assert last["message"] == message_of(line)
    assert last["export_id"].endswith("-copy")
    assert last["export"] == str(export_copy.resolve())
    assert last["load_id"] is None


def test_a_truncated_file_is_recorded_with_the_line(export_copy, db):
    path = export_copy / "activities.csv"
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data[: data.rfind(b",", 0, len(data) - 40)])
    out = run_load(export_copy, db)
    assert out.exit_code == 1
    last = entries(db)[-1]
    assert (last["outcome"], last["rule"], last["file"]) == ("refused", "truncated", "activities.csv")
    assert isinstance(last["line"], int) and last["line"] > 1
    assert last["message"] == message_of(error_line(out))


def test_a_failed_first_load_leaves_no_warehouse_but_its_record(base_export, tmp_path):
    export = copy_export(base_export, tmp_path / "export")
    (export / "manifest.json").write_text("{not json")
    db = tmp_path / "new" / "w.duckdb"
    out = run_load(export, db)
    assert out.exit_code == 1
    assert not db.exists()
    [only] = entries(db)
    assert (only["outcome"], only["rule"], only["file"]) == ("refused", "manifest", "manifest.json")
    assert only["export_id"] is None  # the manifest could not be read
    assert "not valid JSON" in only["message"]


def test_loads_and_reloads_are_recorded_with_their_load(base_export, tmp_path):
    db = tmp_path / "w.duckdb"
    assert run_load(base_export, db).exit_code == 0
    assert run_load(base_export, db).exit_code == 0
    first, second = entries(db)
    load_id, export_id = query(db, "select load_id, export_id from raw.load_history")[0]
    assert (first["outcome"], first["load_id"], first["export_id"]) == ("loaded", load_id, export_id)
    assert (second["outcome"], second["load_id"]) == ("already_loaded", load_id)
    quarantined = query(db, "select count(*) from raw.quarantine")[0][0]
    assert first["quarantined"] == quarantined and first["message"] is None
    assert first["when"] <= second["when"]
    from warehouse.load import attempts

    assert [a["outcome"] for a in attempts.read(db)] == ["already_loaded", "loaded"]  # newest first


def test_the_record_is_no_more_open_than_the_warehouse(export_copy, db):
    os.chmod(db, 0o600)
    run_load(export_copy, db)
    assert stat.S_IMODE(log_of(db).stat().st_mode) == 0o600


def test_a_symlinked_record_is_refused_and_its_target_untouched(export_copy, db, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    log_of(db).symlink_to(victim)
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1
    line = error_line(out)
    assert str(log_of(db)) in line and "symbolic link" in line
    assert victim.read_text() == "keep me\n"
    assert fingerprint(db) == before


def test_a_damaged_record_line_is_skipped_not_fatal(export_copy, db):
    log_of(db).write_text('{"outcome": "loaded", "load_id": 1}\nnot json\n[1, 2]\n{"outcome": 3}\n')
    run_load(export_copy, db)
    from warehouse.load import attempts

    read = attempts.read(db)
    assert [a["outcome"] for a in read] == ["loaded", "loaded"]  # the new load, then the good old line
    assert all(set(a) == set(attempts.FIELDS) for a in read)
