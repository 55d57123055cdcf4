"""An export is read as one snapshot: a file changed, replaced or truncated during or before the load fails it.

The attack of issue 12: activities.csv is replaced while the load runs by a file with the same rows and two
count columns swapped (physician_learners <-> other_learners, by swapping their header names: same size, same
rows). The seam is `reader.stage`, which the loader calls after its first look at a file (open, hash, checks)
and before DuckDB reads it: the test swaps the file there and then lets the real read run.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from tests.helpers import fingerprint, query
from warehouse.cli import main
from warehouse.load import reader

from .snapcases import drop_file_entries, error_line, file_entry, run_load, write_file_entries


def swapped_bytes(path: Path) -> bytes:
    """The same rows with the values of physician_learners and other_learners swapped (same size)."""
    data = path.read_bytes()
    buf = io.StringIO()
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    i, j = rows[0].index("physician_learners"), rows[0].index("other_learners")
    for row in rows[1:]:
        row[i], row[j] = row[j], row[i]
    csv.writer(buf, lineterminator="\n").writerows(rows)
    new = buf.getvalue().encode()
    assert len(new) == len(data) and new != data
    return new


def replace_file(path: Path) -> None:
    """Another writer renames a new file over the export's file (a new inode)."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_bytes(swapped_bytes(path))
    os.replace(tmp, path)


def rewrite_in_place(path: Path) -> None:
    """Another writer rewrites the same inode with the same number of bytes."""
    data = swapped_bytes(path)
    with open(path, "r+b") as fh:
        fh.write(data)
        fh.truncate()


def swap_during_stage(monkeypatch, target: str, change) -> list[str]:
    real = reader.stage
    done: list[str] = []

    def stage(con, f, table):
        if f.spec.name == target and not done:
            change(f.path if f.path.name == f"{target}.csv" else f.path.resolve())
            done.append(f.name)
        return real(con, f, table)

    monkeypatch.setattr(reader, "stage", stage)
    return done


@pytest.mark.parametrize("change", [replace_file, rewrite_in_place], ids=["replaced", "rewritten_in_place"])
@pytest.mark.parametrize("entries", [True, False], ids=["manifest_hashes", "no_manifest_hashes"])
def test_a_file_swapped_during_the_load_fails_it(export_copy, db, monkeypatch, change, entries):
    if entries:
        write_file_entries(export_copy)
    else:
        drop_file_entries(export_copy)
    original = export_copy / "activities.csv"
    change_target = original  # the file the other writer touches: the export's own path
    done = swap_during_stage(monkeypatch, "activities", lambda _p: change(change_target))
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert done, "the seam never ran"
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert "activities.csv" in line and "changed during the load" in line, line
    assert fingerprint(db) == before


def test_a_swap_of_the_values_never_reaches_the_warehouse_even_on_a_first_load(export_copy, tmp_path, monkeypatch):
    drop_file_entries(export_copy)
    db = tmp_path / "first.duckdb"
    swap_during_stage(monkeypatch, "activities", lambda _p: replace_file(export_copy / "activities.csv"))
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    assert "activities.csv" in error_line(out)
    assert not db.exists()


def test_a_parquet_file_replaced_during_the_load_fails_it(export_copy, db, monkeypatch):
    csv_path = export_copy / "activity_moc_registrations.csv"
    table = pl.read_csv(csv_path, infer_schema=False)
    csv_path.unlink()
    path = export_copy / "activity_moc_registrations.parquet"
    table.write_parquet(path)
    write_file_entries(export_copy)
    assert "activity_moc_registrations.parquet" in json.loads((export_copy / "manifest.json").read_text())["files"]

    def replace(_p: Path) -> None:
        tmp = path.with_name("swap.tmp")
        table.with_columns(pl.lit("999").alias("moc_credits")).write_parquet(tmp)
        os.replace(tmp, path)

    done = swap_during_stage(monkeypatch, "activity_moc_registrations", replace)
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert done and out.exit_code == 1, out.output
    line = error_line(out)
    assert "activity_moc_registrations.parquet" in line and "changed during the load" in line, line
    assert fingerprint(db) == before


def test_manifest_hash_mismatch_names_the_file_and_both_hashes(export_copy, db):
    expected = write_file_entries(export_copy)["activities.csv"]["sha256"]
    rewrite_in_place(export_copy / "activities.csv")  # changed after the export was written
    actual = file_entry(export_copy / "activities.csv")["sha256"]
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert "activities.csv" in line and "SHA-256" in line and expected in line and actual in line, line
    assert fingerprint(db) == before


def test_manifest_row_count_mismatch_names_expected_and_actual(export_copy, db):
    rows = file_entry(export_copy / "learner_completions.csv")["rows"]
    write_file_entries(export_copy, learner_completions={"rows": rows + 1})
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert "learner_completions.csv" in line and f"{rows:,} records" in line and f"{rows + 1:,}" in line, line
    assert fingerprint(db) == before


def test_manifest_listing_a_file_the_export_lacks_fails(export_copy, db):
    write_file_entries(export_copy)
    (export_copy / "activity_rems.csv").unlink()
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert "activity_rems.csv" in line and "missing" in line, line
    assert fingerprint(db) == before


def cut_mid_row(path: Path, share: float) -> int:
    """Keep the first `share` of the bytes, ending inside a record; returns the kept size."""
    data = path.read_bytes()
    cut = int(len(data) * share)
    while data[cut - 1 : cut] in (b"\n", b","):  # land inside a field, not on a boundary
        cut -= 1
    path.write_bytes(data[:cut])
    return cut


@pytest.mark.parametrize("entries", [True, False], ids=["manifest_hashes", "no_manifest_hashes"])
def test_a_truncated_file_is_reported_as_truncated(export_copy, db, entries):
    if entries:
        write_file_entries(export_copy)
    else:
        drop_file_entries(export_copy)
    cut_mid_row(export_copy / "learner_completions.csv", 0.97)
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert "learner_completions.csv" in line and "truncated" in line, line
    assert fingerprint(db) == before


def test_an_intact_export_with_manifest_entries_loads_unchanged(export_copy, tmp_path):
    """The entries are verified, not just parsed: an intact export still loads, and loads everything."""
    entries = write_file_entries(export_copy)
    db = tmp_path / "w.duckdb"
    out = run_load(export_copy, db, "--report", str(tmp_path / "r.json"))
    assert out.exit_code == 0, out.output
    report = json.loads((tmp_path / "r.json").read_text())
    for name, entry in entries.items():
        assert report["files"][name]["read"] == entry["rows"], name
    assert query(db, "select count(*) from raw.activities")[0][0] == entries["activities.csv"]["rows"]


def test_synth_writes_sha256_rows_and_bytes_for_every_file(base_export):
    manifest = json.loads((base_export / "manifest.json").read_text())
    files = manifest["files"]
    assert sorted(files) == sorted(p.name for p in base_export.glob("*.csv"))
    for name, entry in files.items():
        assert entry == file_entry(base_export / name), name


def test_a_giant_manifest_is_refused_without_reading_it_whole(export_copy, tmp_path):
    """A 200 MB manifest.json (sparse: it costs no disk) was read whole into memory; now it is refused unread."""
    with open(export_copy / "manifest.json", "r+b") as fh:
        fh.truncate(200 << 20)
    result = CliRunner().invoke(main, ["load", str(export_copy), "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "manifest.json" in errors[0] and "larger than" in errors[0], result.output
    assert not (tmp_path / "w.duckdb").exists()
