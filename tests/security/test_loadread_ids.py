"""Issue 12, item 3 (loader side): ids keep to the contract's alphabet.

Ids end up in file names downstream (review packets are named by provider_id): an id with a path
character must never reach the warehouse. The alphabet is ASCII letters, digits and '-', not starting
with '-' (docs/loading.md); anything else is quarantined as `id_format` with file, line and column.
"""

from __future__ import annotations

from tests.helpers import query
from tests.helpers.loadcases import cell, find_row, set_cell

from ._loadread import break_rows, load_and_find

CASES = [
    ("providers", "provider_id", "../../../../tmp/x"),
    ("providers", "provider_id", "a/b"),
    ("providers", "provider_id", "a\\b"),
    ("providers", "provider_id", "12\x0034"),
    ("program_summaries", "provider_id", ".."),
    ("program_summaries", "provider_id", "-rf"),
    ("accreditation_decisions", "provider_id", "x:y"),
    ("accreditation_decisions", "decision_id", "AD 01"),
    ("accreditation_decisions", "decision_id", "caf\u00e9"),
    ("activities", "activity_id", "..\\..\\evil"),
    ("activities", "provider_activity_id", "p/001"),
    ("activities", "provider_id", "%2e%2e%2fx"),
    ("learner_completions", "learner_board_id", "~root"),
    ("learner_completions", "completion_id", "c*1"),
    ("learner_completions", "activity_id", "a\tb"),
    ("activity_rems", "rpc_grant_id", "RPC/1"),
]


def test_id_with_a_path_character_is_quarantined(export_copy, db):
    expected = break_rows(export_copy, CASES)
    result, got = load_and_find(export_copy, db, "id_format")
    for file, line, column, value in expected:
        assert got.get((file, line)) == (column, "id_format", value), (file, line, value)
        table = file.removesuffix(".csv")
        assert query(db, f"select count(*) from raw.{table} where {column} = ?", [value]) == [(0,)]


def test_ids_in_the_alphabet_load(export_copy, db):
    """Letters (either case), digits and inner hyphens stay valid ids."""
    from warehouse.load import load_export

    row = find_row(export_copy, "activities", activity_type="IEM")
    set_cell(export_copy, "activities", row, "provider_activity_id", "Cme-2022-a01")
    activity_id = cell(export_copy, "activities", row, "activity_id")
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined == {}
    assert query(
        db,
        "select provider_activity_id from raw.activities where activity_id = ? order by _load_id desc limit 1",
        [activity_id],
    ) == [("Cme-2022-a01",)]
