"""Malformed input, file structure: encodings, delimiters and quoting, headers, files and manifests.

File-level stops must leave the warehouse exactly as it was (asserted by `assert_stops`)."""

from __future__ import annotations

import duckdb

from tests.helpers import query, read_manifest, set_manifest
from tests.helpers.loadcases import (
    append_raw,
    gzip_file,
    read_rows,
    replace_bytes,
    rows_count,
    set_cell,
    write_rows,
)
from tests.helpers.loadchecks import assert_stops, load_expect, quarantine
from warehouse.load import load_export

# --- encodings ---------------------------------------------------------------------------------


def test_utf16_file_stops(export_copy, db):
    path = export_copy / "providers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert_stops(export_copy, db, "providers.csv", "UTF-16")


def test_windows_1252_text_stops_naming_the_line(export_copy, db):
    set_cell(export_copy, "providers", 2, "provider_name", "Hôpital Général")
    path = export_copy / "providers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    err = assert_stops(export_copy, db, "providers.csv", "not valid UTF-8", "Windows-1252")
    assert err.line == 4


def test_invalid_bytes_stop_naming_the_line(export_copy, db):
    header, rows = read_rows(export_copy, "activities")
    replace_bytes(export_copy, "activities", rows[4][4].encode(), rows[4][4].encode() + b"\xc3\x28")
    err = assert_stops(export_copy, db, "activities.csv", "not valid UTF-8", "0xc3")
    assert err.line == 6


def test_utf8_bom_is_tolerated(export_copy, db):
    path = export_copy / "providers.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = load_export(export_copy, db)
    assert result.files["providers.csv"].quarantined == {}
    assert result.files["providers.csv"].loaded == rows_count(export_copy, "providers")


# --- delimiters and quoting ----------------------------------------------------------------------


def test_semicolon_file_stops(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    write_rows(export_copy, "providers", header, rows, delimiter=";")
    assert_stops(export_copy, db, "providers.csv", "semicolon")


def test_unbalanced_quote_stops_naming_where_it_opens(export_copy, db):
    n = rows_count(export_copy, "activity_joint_providers")
    append_raw(export_copy, "activity_joint_providers", 'X1,"Never closed\n')
    err = assert_stops(export_copy, db, "activity_joint_providers.csv", "quote")
    assert err.line == n + 2


def test_quoted_newlines_load_and_keep_line_numbers(export_copy, db):
    header, rows = read_rows(export_copy, "activities")
    rows[0][header.index("title")] = "Grand rounds:\nsession one\nand two"
    rows[3][header.index("start_date")] = "2022-02-30"
    write_rows(export_copy, "activities", header, rows)
    load_expect(export_copy, db, "activities", "invalid_date", "start_date", line=7)
    title = query(
        db, "select title from raw.activities where activity_id = ? order by _load_id desc limit 1", [rows[0][0]]
    )[0][0]
    assert title == "Grand rounds:\nsession one\nand two"


def test_crlf_line_ends_load(export_copy, db):
    header, rows = read_rows(export_copy, "activities")
    write_rows(export_copy, "activities", header, rows, lineterminator="\r\n")
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined == {}
    assert result.files["activities.csv"].loaded == len(rows)


def test_row_with_extra_field_is_quarantined_with_its_line(export_copy, db):
    n = rows_count(export_copy, "activity_joint_providers")
    append_raw(export_copy, "activity_joint_providers", "A-x,Someone,extra\n")
    result = load_export(export_copy, db)
    assert result.files["activity_joint_providers.csv"].quarantined == {"field_count": 1}
    assert result.files["activity_joint_providers.csv"].read == n + 1
    row = [q for q in quarantine(db, export_copy) if q[3] == "field_count"]
    assert row[0][1] == n + 2


def test_truncated_file_stops_naming_the_cut_row(export_copy, db):
    """A last record with too few fields and no line end is a cut transfer, not a bad row (issue 12): the
    load stops, where loading it would quarantine one row and take the rest for deletions."""
    path = export_copy / "activities.csv"
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data[: data.rfind(b",", 0, len(data) - 40)])  # cut the last row mid-way
    n = rows_count(export_copy, "activities")
    error = assert_stops(export_copy, db, "activities.csv", "truncated")
    assert error.line == n + 1


# --- headers -------------------------------------------------------------------------------------


def test_missing_header_stops(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    write_rows(export_copy, "providers", rows[0], rows[1:])
    assert_stops(export_copy, db, "providers.csv", "no header row")


def test_duplicate_column_stops(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    write_rows(export_copy, "providers", header + ["state"], [r + [r[header.index("state")]] for r in rows])
    assert_stops(export_copy, db, "providers.csv", "duplicate column", "state")


def test_renamed_column_stops_naming_both(export_copy, db):
    header, rows = read_rows(export_copy, "activities")
    header[header.index("title")] = "activity_title"
    write_rows(export_copy, "activities", header, rows)
    assert_stops(export_copy, db, "activities.csv", "missing column(s): title", "unexpected column(s): activity_title")


def test_extra_column_stops(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    write_rows(export_copy, "providers", header + ["notes"], [r + [""] for r in rows])
    assert_stops(export_copy, db, "providers.csv", "unexpected column(s): notes")


def test_trailing_comma_in_the_header_names_the_empty_column_visibly(export_copy, db):
    # old message: "unexpected column(s): ; the warehouse was not changed" (the empty name invisible)
    path = export_copy / "providers.csv"
    first, rest = path.read_bytes().split(b"\n", 1)
    path.write_bytes(first + b",\n" + rest)
    err = assert_stops(export_copy, db, "providers.csv", "unexpected column(s): '' (an empty column name")
    assert "trailing comma" in str(err)


def test_a_column_name_with_surrounding_spaces_is_shown_quoted(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    header[header.index("country")] = "country "
    write_rows(export_copy, "providers", header, rows)
    assert_stops(export_copy, db, "providers.csv", "missing column(s): country", "unexpected column(s): 'country '")


def test_missing_column_stops(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    i = header.index("country")
    write_rows(export_copy, "providers", header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])
    assert_stops(export_copy, db, "providers.csv", "missing column(s): country")


def test_columns_in_another_order_load(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    order = list(reversed(range(len(header))))
    write_rows(export_copy, "providers", [header[i] for i in order], [[r[i] for i in order] for r in rows])
    result = load_export(export_copy, db)
    assert result.files["providers.csv"].quarantined == {}


# --- files and manifest --------------------------------------------------------------------------


def test_empty_file_stops(export_copy, db):
    (export_copy / "activity_rems.csv").write_bytes(b"")
    assert_stops(export_copy, db, "activity_rems.csv", "empty file")


def test_header_only_file_loads_no_rows(export_copy, db):
    header, _ = read_rows(export_copy, "activity_rems")
    write_rows(export_copy, "activity_rems", header, [])
    # a full export without REMS rows deletes all of them: a mass deletion, allowed deliberately here
    result = load_export(export_copy, db, allow_deletions="100%")
    assert result.files["activity_rems.csv"].read == 0


def test_gzip_named_csv_stops(export_copy, db):
    gzip_file(export_copy, "activities")
    assert_stops(export_copy, db, "activities.csv", "gzip")


def test_unknown_file_stops(export_copy, db):
    (export_copy / "activity_notes.csv").write_text("a,b\n1,2\n")
    assert_stops(export_copy, db, "activity_notes.csv", "not a file of the PARS export format")


def test_missing_required_file_stops(export_copy, db):
    (export_copy / "activities.csv").unlink()
    assert_stops(export_copy, db, "activities.csv", "required file is missing")


def test_csv_and_parquet_of_one_stem_stop(export_copy, db):
    con = duckdb.connect()
    con.sql(
        f"copy (select * from read_csv('{export_copy / 'providers.csv'}', all_varchar=true)) "
        f"to '{export_copy / 'providers.parquet'}' (format parquet)"
    )
    assert_stops(export_copy, db, "providers", "there twice")


def test_parquet_stands_in_for_csv(export_copy, db):
    con = duckdb.connect()
    con.sql(
        f"copy (select * from read_csv('{export_copy / 'activities.csv'}', all_varchar=true)) "
        f"to '{export_copy / 'activities.parquet'}' (format parquet)"
    )
    (export_copy / "activities.csv").unlink()
    result = load_export(export_copy, db)
    assert result.files["activities.parquet"].quarantined == {}
    assert result.files["activities.parquet"].loaded == result.files["activities.parquet"].read > 0


def test_manifest_not_json_stops(export_copy, db):
    (export_copy / "manifest.json").write_text("{format_version: 1,")
    assert_stops(export_copy, db, "manifest.json", "not valid JSON")


def test_missing_manifest_stops(export_copy, db):
    (export_copy / "manifest.json").unlink()
    assert_stops(export_copy, db, "manifest.json", "missing")


def test_manifest_with_bad_kind_stops(export_copy, db):
    set_manifest(export_copy, kind="delta")
    assert_stops(export_copy, db, "manifest.json", "kind", "delta")


def test_manifest_with_bad_years_stops(export_copy, db):
    set_manifest(export_copy, reporting_years=["2022"])
    assert_stops(export_copy, db, "manifest.json", "reporting_years")


def test_same_export_id_with_changed_files_stops(export_copy, db, base_export):
    set_manifest(export_copy, export_id=read_manifest(base_export)["export_id"])
    set_cell(export_copy, "providers", 0, "provider_name", "Renamed Provider")
    assert_stops(export_copy, db, "manifest.json", "different file contents")
