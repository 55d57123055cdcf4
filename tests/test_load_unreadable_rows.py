"""Rows the reader cannot stage (`field_count`, `record_size`) in a full export: the adversary's view.

A full export deletes the live records of its years that it no longer holds at all (docs/loading.md). A row
quarantined because it has a stray field or is too long is still held: before, such a row counted as absent,
so one malformed line in a monthly full export soft-deleted the good record it was meant to update, with exit
0 (the old children stayed live under a deleted activity). And a child of such a row must be quarantined as
`parent_rejected`, as for a parent rejected by any other rule, not as `unknown_reference`.

When the row's key cannot be read at all (too few fields to reach the key column, or a record too long whose
first characters do not hold it), the row may be any record: that file deletes nothing in this load, and the
load says how many deletions it held back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import copy_export, query
from tests.helpers.loadcases import read_rows, write_rows
from warehouse.load import load_export

CHILDREN = ("activity_learner_professions", "learner_completions")


def latest(db: Path, activity_id: str) -> tuple:
    return query(
        db,
        "select _is_deleted, title from raw.activities where activity_id = ? order by _load_id desc limit 1",
        [activity_id],
    )[0]


def quarantined(db: Path, file: str, load_id: int) -> list[tuple]:
    return query(
        db,
        "select line, rule from raw.quarantine where load_id = ? and file = ? order by line",
        [load_id, file],
    )


def break_row(export: Path, how: str, index: int) -> tuple[str, int]:
    """Break data row `index` of activities.csv; return its activity id and its line."""
    header, rows = read_rows(export, "activities")
    victim = rows[index][header.index("activity_id")]
    if how == "field_count":  # one stray field at the end of the record
        rows[index] = [*rows[index], "EXTRA"]
    else:  # record_size: a title far over the record limit the test loads with
        rows[index][header.index("title")] = "T" * 20_000
    write_rows(export, "activities", header, rows)
    return victim, index + 2


def children_lines(export: Path, name: str, activity_id: str) -> list[int]:
    header, rows = read_rows(export, name)
    return [i + 2 for i, r in enumerate(rows) if r[header.index("activity_id")] == activity_id]


@pytest.mark.parametrize("how", ["field_count", "record_size"])
def test_a_row_quarantined_unread_keeps_its_record_and_rejects_its_children(base_export, db, tmp_path, how):
    """`db` (tests/conftest.py): the base export (a full export of 2022) loaded once."""
    export = copy_export(base_export, tmp_path / "next", suffix="-next")
    header, rows = read_rows(export, "activities")
    index = next(
        i
        for i, r in enumerate(rows)
        if all(children_lines(export, c, r[header.index("activity_id")]) for c in CHILDREN)
    )
    victim, line = break_row(export, how, index)
    before = latest(db, victim)
    result = load_export(export, db, max_record_size="16KB")
    summary = result.files["activities.csv"]
    assert summary.quarantined == {how: 1}
    assert summary.deleted == 0 and summary.deletions_withheld == 0
    # the activity keeps its live version: the export holds it, in a row that could not be read
    assert latest(db, victim) == before and before[0] is False
    assert (line, how) in quarantined(db, "activities.csv", result.load_id)
    # its children in this export are rejected with their parent, as for any other rule
    for child in CHILDREN:
        lines = children_lines(export, child, victim)
        got = [r for r in quarantined(db, f"{child}.csv", result.load_id) if r[0] in lines]
        assert got == [(n, "parent_rejected") for n in lines], child
        assert result.files[f"{child}.csv"].deleted == 0


def reordered_with_key_last(export: Path) -> tuple[list[str], list[list[str]]]:
    """activities.csv with activity_id as its last column (the format allows any column order)."""
    header, rows = read_rows(export, "activities")
    k = header.index("activity_id")
    order = [i for i in range(len(header)) if i != k] + [k]
    header = [header[i] for i in order]
    rows = [[r[i] for i in order] for r in rows]
    return header, rows


@pytest.mark.parametrize("how", ["field_count", "record_size"])
def test_a_row_whose_key_cannot_be_read_holds_back_the_files_deletions(base_export, db, tmp_path, how):
    export = copy_export(base_export, tmp_path / "next", suffix="-next")
    header, rows = reordered_with_key_last(export)
    gone = rows.pop(-1)[-1]  # dropped from the full export: deleted, when the load can tell
    broken = rows[0][-1]  # and this one no longer reads as held either
    if how == "field_count":
        rows[0] = rows[0][:3]  # cut short: the key column is never reached
    else:
        rows[0][header.index("title")] = "T" * 20_000  # the key lies beyond the kept first characters
    write_rows(export, "activities", header, rows)
    result = load_export(export, db, max_record_size="16KB")
    summary = result.files["activities.csv"]
    assert summary.quarantined == {how: 1}
    assert summary.deleted == 0 and summary.deletions_withheld == 2
    assert latest(db, gone)[0] is False and latest(db, broken)[0] is False
    stored = query(db, "select summary from raw.load_history where load_id = ?", [result.load_id])[0][0]
    assert '"deletions_withheld": 2' in stored


def test_a_blank_line_claims_no_record_and_the_deletion_goes_ahead(base_export, db, tmp_path):
    export = copy_export(base_export, tmp_path / "next", suffix="-next")
    header, rows = read_rows(export, "activities")
    gone = rows.pop(-1)[header.index("activity_id")]
    write_rows(export, "activities", header, rows)
    with open(export / "activities.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write("   \n")  # whitespace only: one field, quarantined as field_count
    result = load_export(export, db, allow_deletions="100%")
    summary = result.files["activities.csv"]
    assert summary.quarantined == {"field_count": 1}
    assert summary.deleted == 1 and summary.deletions_withheld == 0
    assert latest(db, gone)[0] is True
