"""A hostile export reads nothing outside its folder: a symlink or a non-regular file in it is refused.

The adversary controls the export folder's entries: providers.csv may be a symlink to another user's CSV
outside the export (old code loaded its rows, exit 0), activity_rems.csv a symlink to /etc/passwd (old code
opened, hashed and parsed it), manifest.json a symlink to another export's manifest (old code followed it).
A folder or FIFO at a data file's name is refused as not a regular file (old code: "not a file of the PARS
export format v1 (expected one of: ..., activity_rems.csv, ...)", a message contradicting itself). Every refusal
is one line naming the file and the rule `not_regular_file`, and leaves the warehouse exactly as it was. The
export folder itself, given on the command line, may be a symlink: the user chose that path.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import copy_export, fingerprint, query
from tests.helpers.loadcases import read_rows, write_rows
from warehouse.load import LoadError, load_export

from .snapcases import error_line, run_load

MARKER = "Outside The Export Provider"


def _refused(export: Path, db: Path, name: str) -> LoadError:
    before = fingerprint(db)
    with pytest.raises(LoadError) as info:
        load_export(export, db)
    err = info.value
    assert err.rule == "not_regular_file", (err.rule, str(err))
    assert err.file == name, str(err)
    assert str(err).startswith(f"{name}: "), str(err)
    assert "\n" not in str(err)
    assert fingerprint(db) == before, "a refused load changed the warehouse"
    return err


@pytest.fixture
def outside(export_copy, tmp_path) -> Path:
    """A CSV of the right shape outside the export (another user's file), its first provider renamed."""
    header, rows = read_rows(export_copy, "providers")
    rows[0][header.index("provider_name")] = MARKER
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    write_rows(folder, "providers", header, rows)
    return folder / "providers.csv"


def test_a_data_file_symlinked_outside_the_export_is_refused_and_its_rows_never_loaded(export_copy, db, outside):
    (export_copy / "providers.csv").unlink()
    (export_copy / "providers.csv").symlink_to(outside)
    err = _refused(export_copy, db, "providers.csv")
    assert "symbolic link" in str(err)
    assert query(db, "select count(*) from raw.providers where provider_name = ?", [MARKER]) == [(0,)]


def test_a_data_file_symlinked_outside_the_export_is_refused_on_a_first_load(export_copy, tmp_path, outside):
    (export_copy / "providers.csv").unlink()
    (export_copy / "providers.csv").symlink_to(outside)
    db = tmp_path / "first.duckdb"
    with pytest.raises(LoadError) as info:
        load_export(export_copy, db)
    assert info.value.rule == "not_regular_file" and info.value.file == "providers.csv", str(info.value)
    assert not db.exists()


def test_a_symlink_to_etc_passwd_is_refused_unread(export_copy, db):
    (export_copy / "activity_rems.csv").unlink()
    (export_copy / "activity_rems.csv").symlink_to("/etc/passwd")
    err = _refused(export_copy, db, "activity_rems.csv")
    # refused before any look at its bytes: no header, UTF-8 or hash verdict on /etc/passwd's content
    assert "header" not in str(err) and "UTF-8" not in str(err) and "SHA-256" not in str(err)


def test_a_symlink_inside_the_export_to_another_file_of_it_is_refused(export_copy, db):
    (export_copy / "activity_rems.csv").rename(export_copy / ".rems-real")
    (export_copy / "activity_rems.csv").symlink_to(".rems-real")
    _refused(export_copy, db, "activity_rems.csv")


def test_a_symlinked_parquet_file_is_refused(export_copy, db, tmp_path):
    import duckdb

    target = tmp_path / "outside.parquet"
    duckdb.connect().sql(
        f"copy (select * from read_csv('{export_copy / 'activity_rems.csv'}', all_varchar=true)) "
        f"to '{target}' (format parquet)"
    )
    (export_copy / "activity_rems.csv").unlink()
    (export_copy / "activity_rems.parquet").symlink_to(target)
    _refused(export_copy, db, "activity_rems.parquet")


def test_a_symlinked_manifest_is_refused(export_copy, db, tmp_path):
    other = tmp_path / "other-manifest.json"
    shutil.copyfile(export_copy / "manifest.json", other)
    (export_copy / "manifest.json").unlink()
    (export_copy / "manifest.json").symlink_to(other)
    err = _refused(export_copy, db, "manifest.json")
    assert "symbolic link" in str(err)


def test_a_manifest_that_is_a_folder_or_fifo_is_refused(export_copy, db):
    (export_copy / "manifest.json").unlink()
    (export_copy / "manifest.json").mkdir()
    err = _refused(export_copy, db, "manifest.json")
    assert "folder" in str(err)
    (export_copy / "manifest.json").rmdir()
    os.mkfifo(export_copy / "manifest.json")  # opening it for reading must not wait for a writer
    err = _refused(export_copy, db, "manifest.json")
    assert "FIFO" in str(err)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_folder_or_fifo_at_a_data_file_name_is_not_a_regular_file(export_copy, db, kind):
    path = export_copy / "activity_rems.csv"
    path.unlink()
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)  # opening it for reading must not wait for a writer
    err = _refused(export_copy, db, "activity_rems.csv")
    assert "not a regular file" in str(err)
    assert "not a file of the PARS export format" not in str(err)


def test_the_cli_says_it_in_one_line(export_copy, db, outside):
    (export_copy / "providers.csv").unlink()
    (export_copy / "providers.csv").symlink_to(outside)
    before = fingerprint(db)
    out = run_load(export_copy, db)
    assert out.exit_code == 1, out.output
    line = error_line(out)
    assert line.startswith("Error: providers.csv: ") and "symbolic link" in line, line
    assert fingerprint(db) == before


def test_an_export_folder_given_as_a_symlink_loads(base_export, tmp_path):
    real = copy_export(base_export, tmp_path / "real-export", suffix="-via-link")
    link = tmp_path / "export-link"
    link.symlink_to(real, target_is_directory=True)
    result = load_export(link, tmp_path / "w.duckdb")
    assert result.status == "loaded"
    assert result.files["providers.csv"].loaded > 0
