"""Malformed input, values: dates, numbers, booleans, codes, ids, keys, references, row rules, formulas.

Each case asserts the quarantine rule, column, line and raw value, and the count identity. The one-row cases (a bad
value in one row) share one export and one load (`value_cases`): each case is planted in its own row (the loader
judges a row by the first rule it breaks; the child rows chosen belong to untouched activities), and each is asserted
on its own line."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from types import SimpleNamespace

import pytest

from tests.helpers import copy_export, query
from tests.helpers.loadcases import (
    cell,
    find_row,
    read_rows,
    set_cell,
    write_rows,
)
from tests.helpers.loadchecks import assert_identity, load_expect, quarantine
from warehouse.load import load_export

# --- values: dates, numbers, booleans, codes, whitespace, ids ------------------------------------

#: (column, value, rule) of activities.csv, each planted in its own IEM activity
ACTIVITY_CASES = [
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
    ("status", "Finished", "unknown_code"),  # its whole raw record is kept (test_quarantine_keeps_the_whole_raw_record)
]
#: (value, rule) of program_summaries.csv's registration_fees, planted in data rows 0, 1, 2
MONEY_CASES = [
    ("$1,200", "invalid_money"),
    ("1200.505", "invalid_money"),
    ("-10.00", "out_of_range"),
]


@pytest.fixture(scope="module")
def value_cases(base_export, loaded_db, tmp_path_factory) -> SimpleNamespace:
    """Every one-row case of this file planted in one copy of the base export, each in its own row, loaded once into
    a copy of the loaded warehouse (as each case was loaded alone before): ACTIVITY_CASES and MONEY_CASES, an end
    date before the start, DEA learners above prescribers, an impossible birth day, an orphan reference and a 10 MB
    id. The child rows chosen belong to activities left as they were (a rejected activity rejects its children).
    `cases[name]`: (file, line, column, rule, raw value or None when not compared)."""
    folder = tmp_path_factory.mktemp("values")
    export = copy_export(base_export, folder / "export", suffix="-values")
    db = folder / "w.duckdb"
    shutil.copy(loaded_db, db)
    cases: dict = {}
    header, rows = read_rows(export, "activities")
    col = header.index
    iem = iter([i for i, r in enumerate(rows) if r[col("activity_type")] == "IEM"])
    for column, value, rule in ACTIVITY_CASES:
        row = next(iem)
        rows[row][col(column)] = value
        cases["activities", column, value] = ("activities", row + 2, column, rule, value)
    row = next(iem)  # an end date a year before the start
    start = rows[row][col("start_date")]
    rows[row][col("end_date")] = f"{int(start[:4]) - 1}{start[4:]}"
    cases["end_before_start"] = ("activities", row + 2, "end_date", "date_order", None)
    touched = {rows[line - 2][col("activity_id")] for file, line, *_ in cases.values()}
    write_rows(export, "activities", header, rows)
    for row, (value, rule) in enumerate(MONEY_CASES):
        set_cell(export, "program_summaries", row, "registration_fees", value)
        cases["program_summaries", "registration_fees", value] = (
            "program_summaries",
            row + 2,
            "registration_fees",
            rule,
            value,
        )

    def untouched(name: str) -> list[int]:
        """The rows of child file `name` whose activity is left as it was."""
        header, rows = read_rows(export, name)
        return [i for i, r in enumerate(rows) if r[header.index("activity_id")] not in touched]

    row = untouched("activity_rems")[0]
    prescribers = cell(export, "activity_rems", row, "prescriber_learners")
    set_cell(export, "activity_rems", row, "dea_registered_learners", str(int(prescribers) + 1))
    cases["dea"] = ("activity_rems", row + 2, "dea_registered_learners", "dea_exceeds_prescribers", None)
    row = untouched("learner_completions")[0]
    set_cell(export, "learner_completions", row, "birth_month", "4")
    set_cell(export, "learner_completions", row, "birth_day", "31")
    cases["birth_day"] = ("learner_completions", row + 2, "birth_day", "invalid_birth_day", None)
    orphan, giant = untouched("activity_joint_providers")[:2]
    set_cell(export, "activity_joint_providers", orphan, "activity_id", "NO-SUCH-ACTIVITY")
    cases["orphan"] = ("activity_joint_providers", orphan + 2, "activity_id", "unknown_reference", None)
    set_cell(export, "activity_joint_providers", giant, "activity_id", "9" * 10_000_000)
    cases["giant_id"] = ("activity_joint_providers", giant + 2, "activity_id", "id_format", None)
    result = load_export(export, db)
    return SimpleNamespace(export=export, db=db, result=result, quarantine=quarantine(db, export), cases=cases)


def assert_planted(value_cases, name) -> None:
    """The case's line has exactly one quarantine row (its children's parent_rejected aside): its column and rule,
    and its raw value when the case gives one."""
    file, line, column, rule, value = value_cases.cases[name]
    own = [q for q in value_cases.quarantine if q[0] == f"{file}.csv" and q[1] == line and q[3] != "parent_rejected"]
    assert [(q[2], q[3]) for q in own] == [(column, rule)], own
    if value is not None:
        assert own[0][4] == value


@pytest.mark.parametrize(("column", "value", "rule"), ACTIVITY_CASES)
def test_bad_activity_value_is_quarantined(value_cases, column, value, rule):
    assert_planted(value_cases, ("activities", column, value))


@pytest.mark.parametrize(("value", "rule"), MONEY_CASES)
def test_bad_money_is_quarantined(value_cases, value, rule):
    assert_planted(value_cases, ("program_summaries", "registration_fees", value))


def test_the_planted_cases_are_all_that_is_quarantined_and_the_counts_add_up(value_cases):
    """Per file: the quarantined lines are exactly the planted ones, the summary counts each case's rule once, and
    every row read is loaded, quarantined or a duplicate."""
    result = value_cases.result
    assert_identity(result)
    for file in {case[0] for case in value_cases.cases.values()}:
        planted = [case for case in value_cases.cases.values() if case[0] == file]
        own = [q for q in value_cases.quarantine if q[0] == f"{file}.csv" and q[3] != "parent_rejected"]
        assert sorted(q[1] for q in own) == sorted(case[1] for case in planted), file
        counted = {r: n for r, n in result.files[f"{file}.csv"].quarantined.items() if r != "parent_rejected"}
        assert counted == Counter(case[3] for case in planted), file


def test_whitespace_only_optional_value_is_null(export_copy, db):
    row = find_row(export_copy, "activities", activity_type="IEM")
    set_cell(export_copy, "activities", row, "ama_pra_category1_credits", "  ")
    activity_id = cell(export_copy, "activities", row, "activity_id")
    load_export(export_copy, db)
    got = query(
        db,
        "select ama_pra_category1_credits from raw.activities where activity_id = ? order by _load_id desc limit 1",
        [activity_id],
    )
    assert got == [(None,)]


def test_ten_megabyte_text_field_loads_intact(export_copy, db):
    big = "x" * 10_000_000
    set_cell(export_copy, "activities", 1, "title", big)
    activity_id = cell(export_copy, "activities", 1, "activity_id")
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined == {}
    got = query(
        db,
        "select length(title) from raw.activities where activity_id = ? order by _load_id desc limit 1",
        [activity_id],
    )
    assert got == [(10_000_000,)]


def test_ten_megabyte_id_is_quarantined(value_cases):
    assert_planted(value_cases, "giant_id")


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
        1 for r in read_rows(export_copy, "activities")[1] if r[1] == rows[0][0]
    )


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


def test_orphan_reference_is_quarantined(value_cases):
    assert_planted(value_cases, "orphan")


def test_children_of_rejected_rows_are_parent_rejected(export_copy, db):
    header, rows = read_rows(export_copy, "activity_moc_registrations")
    activity_id, board = rows[0][0], rows[0][1]
    completions = [r for r in read_rows(export_copy, "learner_completions")[1] if r[1] == activity_id and r[2] == board]
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
    names = query(db, "select provider_name from raw.providers where provider_id = ? order by _load_id", [provider_id])
    assert len(names) == 2 and names[-1] == ("New Name Health System",)


# --- rules across columns ------------------------------------------------------------------------


def test_state_provider_needs_its_recognized_accreditor(export_copy, db):
    row = find_row(export_copy, "providers", accreditor_type="State")
    set_cell(export_copy, "providers", row, "recognized_accreditor", "")
    load_expect(export_copy, db, "providers", "conditionally_required", "recognized_accreditor", line=row + 2)


def test_end_before_start_is_quarantined(value_cases):
    assert_planted(value_cases, "end_before_start")


def test_dea_above_prescribers_is_quarantined(value_cases):
    assert_planted(value_cases, "dea")


def test_impossible_birth_day_is_quarantined(value_cases):
    assert_planted(value_cases, "birth_day")


# --- formulas ------------------------------------------------------------------------------------


def test_formula_looking_text_is_stored_inert(export_copy, db):
    set_cell(export_copy, "activities", 0, "title", '=HYPERLINK("http://x.test","click")')
    set_cell(export_copy, "activity_joint_providers", 0, "joint_provider_name", "@SUM(1+1)")
    activity_id = cell(export_copy, "activities", 0, "activity_id")
    result = load_export(export_copy, db)
    assert result.files["activities.csv"].quarantined == {}
    assert result.files["activities.csv"].neutralized == 1
    title = query(
        db, "select title from raw.activities where activity_id = ? order by _load_id desc limit 1", [activity_id]
    )[0][0]
    assert title == '\'=HYPERLINK("http://x.test","click")'
    assert query(db, "select count(*) from raw.activity_joint_providers where joint_provider_name = '''@SUM(1+1)'") == [
        (1,)
    ]


def test_quarantine_keeps_the_whole_raw_record(value_cases):
    line = value_cases.cases["activities", "status", "Finished"][1]
    activity_id = cell(value_cases.export, "activities", line - 2, "activity_id")
    record = query(
        value_cases.db,
        "select record from raw.quarantine where rule = 'unknown_code' and column_name = 'status' and export_id = ?",
        [json.loads((value_cases.export / "manifest.json").read_text())["export_id"]],
    )
    [(kept,)] = record
    assert json.loads(kept)["activity_id"] == activity_id and json.loads(kept)["status"] == "Finished"
