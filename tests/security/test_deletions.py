"""Mass deletions need consent: a full export that would soft-delete more than 2% of the live records of its
years in one file stops before anything is written, unless `--allow-deletions` allows that many.

The operator's accident of issue 12: a full export whose activities.csv was cut to 70% (a truncated transfer
that happens to end on a line end, so nothing looks malformed) soft-deleted 30% of the activities of its years
with exit 0, and a header-only file deleted them all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.helpers import fingerprint, query
from tests.helpers.loadcases import read_rows, write_rows

from .snapcases import drop_file_entries, error_line, run_load, write_file_entries


def live_count(db, table: str, key: str) -> int:
    return query(
        db,
        f"select count(*) from (select * from raw.{table} qualify row_number() over "
        f"(partition by {key} order by _load_id desc) = 1) where not _is_deleted",
    )[0][0]


def keep_share(export, name: str, share: float) -> int:
    """Cut a file to its first `share` of rows at a record boundary; returns how many rows were dropped."""
    header, rows = read_rows(export, name)
    kept = int(len(rows) * share)
    write_rows(export, name, header, rows[:kept])
    return len(rows) - kept


class Cut(NamedTuple):
    export: Path
    dropped: int


@pytest.fixture
def cut(export_copy) -> Cut:
    """activities.csv cut to 70%; the manifest carries no file entries (a sender that writes none)."""
    drop_file_entries(export_copy)
    return Cut(export_copy, keep_share(export_copy, "activities", 0.7))


def test_a_30_percent_cut_stops_with_the_file_the_count_and_the_flag(cut, db):
    live = live_count(db, "activities", "activity_id")
    before = fingerprint(db)
    out = run_load(cut.export, db)
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert "activities.csv" in line and "--allow-deletions" in line, line
    assert f"{cut.dropped:,} of {live:,}" in line, line
    assert re.search(r"\(30(\.0)?%\)", line), line
    assert fingerprint(db) == before
    out = run_load(cut.export, db, "--allow-deletions", "10%")  # an allowance below the share: still refused
    assert out.exit_code == 1, out.output
    assert "activities.csv" in error_line(out)
    assert fingerprint(db) == before


@pytest.mark.parametrize("allow", ["31%", "300"])
def test_a_deliberate_deletion_loads_with_the_flag(cut, db, allow):
    live = live_count(db, "activities", "activity_id")
    out = run_load(cut.export, db, "--allow-deletions", allow)
    assert out.exit_code == 0, out.output
    assert live_count(db, "activities", "activity_id") == live - cut.dropped
    deleted = query(db, "select count(*) from raw.activities where _is_deleted")[0][0]
    assert deleted == cut.dropped


@pytest.mark.parametrize("how", ["header_only", "absent"])
def test_an_empty_or_missing_file_does_not_delete_everything(export_copy, db, how):
    drop_file_entries(export_copy)
    if how == "header_only":
        header, _ = read_rows(export_copy, "learner_completions")
        write_rows(export_copy, "learner_completions", header, [])
    else:
        (export_copy / "learner_completions.csv").unlink()
    live = live_count(db, "learner_completions", "completion_id")
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert "learner_completions.csv" in line and f"{live:,} of {live:,}" in line and "100" in line, line
    assert fingerprint(db) == before
    out = run_load(export_copy, db, "--allow-deletions", "100%")
    assert out.exit_code == 0, out.output
    assert live_count(db, "learner_completions", "completion_id") == 0


def test_a_header_only_file_with_a_matching_manifest_entry_is_still_a_mass_deletion(export_copy, db):
    """The manifest proves the transfer is whole, not that the deletion is meant."""
    header, _ = read_rows(export_copy, "activity_joint_providers")
    write_rows(export_copy, "activity_joint_providers", header, [])
    write_file_entries(export_copy)
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    assert "activity_joint_providers.csv" in error_line(out)
    assert fingerprint(db) == before


def test_a_bad_allowance_is_refused_before_anything_happens(export_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    out = run_load(export_copy, db, "--allow-deletions", "lots")
    assert out.exit_code == 1, out.output
    assert "--allow-deletions" in error_line(out)
    assert not db.exists()
