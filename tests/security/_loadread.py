"""Helpers of the loadread adversary tests: many broken rows, one load."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.helpers import query, read_manifest
from tests.helpers.loadcases import read_rows, write_rows
from tests.helpers.loadchecks import assert_identity
from warehouse.load import load_export


def break_rows(export: Path, cases: list[tuple[str, str, str]]) -> list[tuple[str, int, str, str]]:
    """Put each (file, column, value) into its own data row (rows 1, 2, ... of the file); return the
    expected (file name, line, column, raw value) of each."""
    by_file: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for file, column, value in cases:
        by_file[file].append((column, value))
    expected = []
    for file, edits in by_file.items():
        header, rows = read_rows(export, file)
        assert len(rows) > len(edits), f"{file} has too few rows for the cases"
        for i, (column, value) in enumerate(edits, start=1):
            rows[i][header.index(column)] = value
            expected.append((f"{file}.csv", i + 2, column, value))
        write_rows(export, file, header, rows)
    return expected


def load_and_find(export: Path, db: Path, rule: str) -> tuple[object, dict]:
    """Load; return the result and {(file, line): (column, rule, raw_value)} of the export's quarantine."""
    # The quarantined rows are missing from this full export of the base's year, so they read as deletions of
    # the base's live records: allowed here (the mass-deletion guard has its own tests).
    result = load_export(export, db, allow_deletions="100%")
    assert_identity(result)
    rows = query(
        db,
        "select file, line, column_name, rule, raw_value from raw.quarantine where export_id = ?",
        [read_manifest(export)["export_id"]],
    )
    return result, {(f, line): (c, r, v) for f, line, c, r, v in rows}
