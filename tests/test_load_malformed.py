"""Malformed input: every case states its outcome (a file-level stop, or the quarantine rule, line, column).

File-level stops must leave the warehouse exactly as it was; row-level problems must quarantine only the
broken rows and keep the count identity read = loaded + quarantined + duplicates.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from warehouse.load import LoadError, load_export

from conftest import fingerprint, query, read_manifest, set_manifest
from loadcases import (
    append_raw,
    cell,
    find_row,
    gzip_file,
    read_rows,
    replace_bytes,
    rows_count,
    set_cell,
    write_rows,
)


@pytest.fixture(scope="module")
def loaded_db(base_export, tmp_path_factory) -> Path:
    """A warehouse holding the base export; each test works on its own copy."""
    db = tmp_path_factory.mktemp("wh") / "base.duckdb"
    load_export(base_export, db)
    return db


@pytest.fixture
def db(loaded_db, tmp_path) -> Path:
    target = tmp_path / "w.duckdb"
    shutil.copy(loaded_db, target)
    return target


def assert_stops(export: Path, db: Path, file: str, *needles: str) -> LoadError:
    before = fingerprint(db)
    with pytest.raises(LoadError) as info:
        load_export(export, db)
    message = str(info.value)
    assert file in message
    for needle in needles:
        assert needle in message, message
    assert fingerprint(db) == before, "a stopped load changed the warehouse"
    return info.value


def quarantine(db: Path, export: Path) -> list[tuple]:
    export_id = read_manifest(export)["export_id"]
    return query(db, "select file, line, column_name, rule, raw_value from raw.quarantine "
                     "where export_id = ? order by file, line", [export_id])


def assert_identity(result) -> None:
    for name, s in result.files.items():
        assert s.read == s.loaded + sum(s.quarantined.values()) + s.duplicates, name


def load_expect(export: Path, db: Path, file: str, rule: str, column: str | None, line: int | None = None,
                raw_value: str | None = None) -> list[tuple]:
    """Load, then assert that `file` has exactly one row quarantined, for `rule` on `column`."""
    result = load_export(export, db)
    assert_identity(result)
    own = [q for q in quarantine(db, export) if q[0] == f"{file}.csv" and q[3] != "parent_rejected"]
    assert [(q[2], q[3]) for q in own] == [(column, rule)], own
    if line is not None:
        assert own[0][1] == line
    if raw_value is not None:
        assert own[0][4] == raw_value
    summary = result.files[f"{file}.csv"]
    assert summary.quarantined.get(rule) == 1
    return own


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
    title = query(db, "select title from raw.activities where activity_id = ? order by _load_id desc limit 1",
                  [rows[0][0]])[0][0]
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


def test_truncated_file_quarantines_the_cut_row(export_copy, db):
    path = export_copy / "activities.csv"
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data[: data.rfind(b",", 0, len(data) - 40)])  # cut the last row mid-way
    n = rows_count(export_copy, "activities")
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined.get("field_count") == 1
    assert result.files["activities.csv"].read == n
    assert_identity(result)


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


def test_missing_column_stops(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    i = header.index("country")
    write_rows(export_copy, "providers", header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows])
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
    result = load_export(export_copy, db)
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
    con.sql(f"copy (select * from read_csv('{export_copy / 'providers.csv'}', all_varchar=true)) "
            f"to '{export_copy / 'providers.parquet'}' (format parquet)")
    assert_stops(export_copy, db, "providers", "there twice")


def test_parquet_stands_in_for_csv(export_copy, db):
    con = duckdb.connect()
    con.sql(f"copy (select * from read_csv('{export_copy / 'activities.csv'}', all_varchar=true)) "
            f"to '{export_copy / 'activities.parquet'}' (format parquet)")
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


# --- values: dates, numbers, booleans, codes, whitespace, ids ------------------------------------

@pytest.mark.parametrize(("column", "value", "rule"), [
    ("start_date", "2022-02-31", "invalid_date"),
    ("start_date", "03/31/2022", "invalid_date"),
    ("start_date", "44651", "invalid_date"),
    ("start_date", "1900-01-01", "date_out_of_range"),
    ("start_date", "2999-01-01", "date_out_of_range"),
    ("physician_learners", "-5", "out_of_range"),
    ("physician_learners", "1e9", "invalid_int"),
    ("physician_learners", "12.5", "invalid_int"),
    ("hours_of_instruction", "NaN", "invalid_decimal"),
    ("hours_of_instruction", "1,5", "invalid_decimal"),
    ("commercial_support_received", "Y", "invalid_bool"),
    ("designed_to_change_competence", "true", "invalid_bool"),
    ("activity_type", "XYZ", "unknown_code"),
    ("competencies", "ACGME-PC;NOT-A-CODE", "unknown_code"),
    ("title", "   ", "required"),
    ("provider_activity_id", " p-001", "id_format"),
    ("reporting_year", "22", "invalid_year"),
    ("reporting_year", "1900", "date_out_of_range"),
])
def test_bad_activity_value_is_quarantined(export_copy, db, column, value, rule):
    row = find_row(export_copy, "activities", activity_type="IEM")
    set_cell(export_copy, "activities", row, column, value)
    load_expect(export_copy, db, "activities", rule, column, line=row + 2, raw_value=value)


@pytest.mark.parametrize(("value", "rule"), [
    ("$1,200", "invalid_money"), ("1200.505", "invalid_money"), ("-10.00", "out_of_range"),
])
def test_bad_money_is_quarantined(export_copy, db, value, rule):
    set_cell(export_copy, "program_summaries", 0, "registration_fees", value)
    load_expect(export_copy, db, "program_summaries", rule, "registration_fees", line=2, raw_value=value)


def test_whitespace_only_optional_value_is_null(export_copy, db):
    row = find_row(export_copy, "activities", activity_type="IEM")
    set_cell(export_copy, "activities", row, "ama_pra_category1_credits", "  ")
    activity_id = cell(export_copy, "activities", row, "activity_id")
    load_export(export_copy, db)
    got = query(db, "select ama_pra_category1_credits from raw.activities where activity_id = ? "
                    "order by _load_id desc limit 1", [activity_id])
    assert got == [(None,)]


def test_ten_megabyte_text_field_loads_intact(export_copy, db):
    big = "x" * 10_000_000
    set_cell(export_copy, "activities", 1, "title", big)
    activity_id = cell(export_copy, "activities", 1, "activity_id")
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined == {}
    got = query(db, "select length(title) from raw.activities where activity_id = ? order by _load_id desc "
                    "limit 1", [activity_id])
    assert got == [(10_000_000,)]


def test_ten_megabyte_id_is_quarantined(export_copy, db):
    row = find_row(export_copy, "activity_joint_providers")
    set_cell(export_copy, "activity_joint_providers", row, "activity_id", "9" * 10_000_000)
    load_expect(export_copy, db, "activity_joint_providers", "id_format", "activity_id", line=row + 2)


# --- keys and references -------------------------------------------------------------------------

def test_key_duplicated_inside_a_file_quarantines_all_copies(export_copy, db):
    header, rows = read_rows(export_copy, "providers")
    twin = list(rows[0])
    twin[header.index("provider_name")] = "Another name"
    write_rows(export_copy, "providers", header, rows + [twin])
    result = load_export(export_copy, db)
    assert result.files["providers.csv"].quarantined["duplicate_key"] == 2
    assert_identity(result)
    # the provider's activities now point at a rejected provider
    assert result.files["activities.csv"].quarantined.get("parent_rejected", 0) == sum(
        1 for r in read_rows(export_copy, "activities")[1] if r[1] == rows[0][0])


def test_exact_duplicate_row_is_skipped_and_counted(export_copy, db):
    header, rows = read_rows(export_copy, "activities")
    write_rows(export_copy, "activities", header, rows + [rows[2]])
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].duplicates == 1
    assert result.files["activities.csv"].quarantined == {}


def test_provider_activity_id_duplicated_within_a_provider(export_copy, db):
    header, rows = read_rows(export_copy, "activities")
    first = rows[0]
    other = next(i for i, r in enumerate(rows[1:], 1) if r[1] == first[1])
    rows[other][header.index("provider_activity_id")] = first[header.index("provider_activity_id")]
    write_rows(export_copy, "activities", header, rows)
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined["duplicate_key"] == 2


def test_orphan_reference_is_quarantined(export_copy, db):
    set_cell(export_copy, "activity_joint_providers", 0, "activity_id", "NO-SUCH-ACTIVITY")
    load_expect(export_copy, db, "activity_joint_providers", "unknown_reference", "activity_id", line=2)


def test_children_of_rejected_rows_are_parent_rejected(export_copy, db):
    header, rows = read_rows(export_copy, "activity_moc_registrations")
    activity_id, board = rows[0][0], rows[0][1]
    completions = [r for r in read_rows(export_copy, "learner_completions")[1]
                   if r[1] == activity_id and r[2] == board]
    assert completions, "the fixture needs a registration with completions"
    set_cell(export_copy, "activity_moc_registrations", 0, "moc_credits", "0")
    result = load_export(export_copy, db)
    assert result.files["activity_moc_registrations.csv"].quarantined == {"out_of_range": 1}
    assert result.files["learner_completions.csv"].quarantined == {"parent_rejected": len(completions)}


def test_same_key_in_a_later_export_is_a_new_version(export_copy, db):
    set_cell(export_copy, "providers", 0, "provider_name", "New Name Health System")
    provider_id = cell(export_copy, "providers", 0, "provider_id")
    result = load_export(export_copy, db)
    assert result.files["providers.csv"].new_versions == 1
    names = query(db, "select provider_name from raw.providers where provider_id = ? order by _load_id",
                  [provider_id])
    assert len(names) == 2 and names[-1] == ("New Name Health System",)


# --- rules across columns ------------------------------------------------------------------------

def test_state_provider_needs_its_recognized_accreditor(export_copy, db):
    row = find_row(export_copy, "providers", accreditor_type="State")
    set_cell(export_copy, "providers", row, "recognized_accreditor", "")
    load_expect(export_copy, db, "providers", "conditionally_required", "recognized_accreditor", line=row + 2)


def test_end_before_start_is_quarantined(export_copy, db):
    row = find_row(export_copy, "activities", activity_type="IEM")
    start = cell(export_copy, "activities", row, "start_date")
    set_cell(export_copy, "activities", row, "end_date", f"{int(start[:4]) - 1}{start[4:]}")
    load_expect(export_copy, db, "activities", "date_order", "end_date", line=row + 2)


def test_dea_above_prescribers_is_quarantined(export_copy, db):
    prescribers = cell(export_copy, "activity_rems", 0, "prescriber_learners")
    set_cell(export_copy, "activity_rems", 0, "dea_registered_learners", str(int(prescribers) + 1))
    load_expect(export_copy, db, "activity_rems", "dea_exceeds_prescribers", "dea_registered_learners", line=2)


def test_impossible_birth_day_is_quarantined(export_copy, db):
    set_cell(export_copy, "learner_completions", 0, "birth_month", "4")
    set_cell(export_copy, "learner_completions", 0, "birth_day", "31")
    load_expect(export_copy, db, "learner_completions", "invalid_birth_day", "birth_day", line=2)


# --- formulas ------------------------------------------------------------------------------------

def test_formula_looking_text_is_stored_inert(export_copy, db):
    set_cell(export_copy, "activities", 0, "title", '=HYPERLINK("http://x.test","click")')
    set_cell(export_copy, "activity_joint_providers", 0, "joint_provider_name", "@SUM(1+1)")
    activity_id = cell(export_copy, "activities", 0, "activity_id")
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined == {}
    assert result.files["activities.csv"].neutralized == 1
    title = query(db, "select title from raw.activities where activity_id = ? order by _load_id desc limit 1",
                  [activity_id])[0][0]
    assert title == '\'=HYPERLINK("http://x.test","click")'
    assert query(db, "select count(*) from raw.activity_joint_providers where joint_provider_name = '''@SUM(1+1)'"
                 ) == [(1,)]


def test_quarantine_keeps_the_whole_raw_record(export_copy, db):
    row = find_row(export_copy, "activities", activity_type="IEM")
    set_cell(export_copy, "activities", row, "status", "Finished")
    activity_id = cell(export_copy, "activities", row, "activity_id")
    load_export(export_copy, db)
    record = query(db, "select record from raw.quarantine where rule = 'unknown_code' and column_name = 'status'")
    assert json.loads(record[0][0])["activity_id"] == activity_id
