"""Issue 12, item 7 (loader side): C0 control characters in text are quarantined at the door.

\\x01, ESC, NUL and friends loaded silently, then crashed `pars report moc`/`rems` in openpyxl and reached
the terminal. Tab and LF are allowed inside a text value (the format quotes them, RFC 4180) and so is
CR as part of CRLF; every other character U+0000-U+001F, and U+007F, is quarantined as
`control_character`, with file, line, column and the raw value.
"""

from __future__ import annotations

from tests.helpers import query
from tests.helpers.loadcases import cell, find_row, read_rows, write_rows
from tests.helpers.loadchecks import assert_stops
from warehouse.load import load_export

from ._loadread import break_rows, load_and_find

CASES = [
    ("activities", "title", "Grand rounds\x01"),
    ("activities", "title", "\x1b[2J\x1b[31mred alert"),
    ("activities", "title", "nul\x00inside"),
    ("activities", "title", "bare\rcarriage return"),
    ("activities", "hours_of_instruction", "1.0\x00"),
    ("providers", "provider_name", "Health\x7fSystem"),
    ("providers", "recognized_accreditor", "\x1b[8mhidden"),
    ("learner_completions", "first_name", "Ann\x1b]8;;http://x.test\x07"),
    ("learner_completions", "last_name", "Smith\x0c"),
    ("activity_joint_providers", "joint_provider_name", "Joint\x08Partner"),
    ("activity_moc_registrations", "practice_areas", "Cardiology;Pain\x1cMedicine"),
    ("activity_commercial_supporters", "supporter_name", "Acme\x1f Pharma"),
]


def test_control_character_is_quarantined(export_copy, db):
    expected = break_rows(export_copy, CASES)
    result, got = load_and_find(export_copy, db, "control_character")
    for file, line, column, value in expected:
        assert got.get((file, line)) == (column, "control_character", value), (file, line, value)
    assert result.files["activities.csv"].quarantined.get("control_character") == 5


def test_tab_newline_and_crlf_inside_text_still_load(export_copy, db):
    header, rows = read_rows(export_copy, "activities")
    row = find_row(export_copy, "activities", activity_type="IEM")
    title = "Part one\tand\ntwo\r\nand three"
    rows[row][header.index("title")] = title
    write_rows(export_copy, "activities", header, rows)
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined == {}
    got = query(
        db,
        "select title from raw.activities where activity_id = ? order by _load_id desc limit 1",
        [cell(export_copy, "activities", row, "activity_id")],
    )
    assert got == [(title,)]


def test_cr_only_line_ends_stop_the_load(export_copy, db):
    """Lines end in LF or CRLF (spec §1); a bare CR is data, so a CR-only file would be one giant record:
    it stops with a message instead."""
    path = export_copy / "activity_joint_providers.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    assert_stops(export_copy, db, "activity_joint_providers.csv", "CR-only line ends")


def test_a_bare_cr_before_a_value_starting_with_lf_is_still_quarantined(export_copy, db):
    """The adversary splits a CRLF across two columns: first_name ends in a bare CR and last_name starts
    with LF. The whole-row control test must not read the pair as one CRLF line break across the values."""
    header, rows = read_rows(export_copy, "learner_completions")
    rows[0][header.index("first_name")] = "Sha\r"
    rows[0][header.index("last_name")] = "\nSmith"
    write_rows(export_copy, "learner_completions", header, rows)
    _, got = load_and_find(export_copy, db, "control_character")
    quarantined = [found for (file, _), found in got.items() if file == "learner_completions.csv"]
    assert quarantined == [("first_name", "control_character", "Sha\r")]
