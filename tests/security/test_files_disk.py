"""A careless operator's disk: a read-only `--db` or `--out` folder, and a disk that fills up during a load, a
build, a release or a report. Each ends with one error line naming the path and the cause, exit 1, no
partial file left, and the warehouse unchanged (tests.helpers.fingerprint).

The disks are real: a small tmpfs filled to a few kilobytes, and a read-only bind mount (we run as root).
Old code: a traceback every time (OSError from the lock file, shutil's sendfile, DuckDB's TransactionException,
tempfile.mkdtemp), and a full disk during a build left `<db>.building-<pid>` behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from security.filesystems import error_lines, fill, read_only, run_cli, tmpfs, tree
from tests.helpers import copy_export, fingerprint

NO_SPACE = "no space left on device"
READ_ONLY = "read-only file system"


def _one_line(result, *needles: str) -> str:
    assert result.exit_code == 1, result.output
    lines = error_lines(result)
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _names(folder: Path) -> list[str]:
    """What is in the folder, but the lock file (it stays by design: warehouse/locking.py) and the record of load
    attempts (it stays by design: warehouse/load/attempts.py; tests/test_load_attempts.py checks it)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith((".lock", ".loads.jsonl")))


@pytest.fixture
def new_export(base_export, tmp_path) -> Path:
    return copy_export(base_export, tmp_path / "export", suffix="-new")


# ---- read-only --db folder ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["load", "build"])
def test_a_read_only_warehouse_folder_is_one_line(loaded_db, new_export, tmp_path, kind):
    source = tmp_path / "source"
    source.mkdir()
    shutil.copyfile(loaded_db, source / "w.duckdb")
    before = fingerprint(source / "w.duckdb")
    with read_only(source, tmp_path / "ro") as folder:
        db = folder / "w.duckdb"
        args = ["load", str(new_export), "--db", str(db)] if kind == "load" else ["build", "--db", str(db)]
        line = _one_line(run_cli(args), str(folder), READ_ONLY)
        assert "Traceback" not in line
    assert _names(source) == ["w.duckdb"]
    assert fingerprint(source / "w.duckdb") == before


def test_a_first_load_into_a_read_only_folder_is_one_line(new_export, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    with read_only(source, tmp_path / "ro") as folder:
        _one_line(run_cli(["load", str(new_export), "--db", str(folder / "new.duckdb")]), str(folder), READ_ONLY)
    assert _names(source) == []


# ---- full disk during a load or build ---------------------------------------------------------------------


def test_a_full_disk_during_a_load_changes_nothing_and_leaves_nothing(loaded_db, new_export, tmp_path):
    with tmpfs(tmp_path / "disk", "8m") as disk:
        db = disk / "w.duckdb"
        shutil.copyfile(loaded_db, db)
        before = fingerprint(db)
        fill(disk, leave=0)  # the load itself fits in the free pages inside the file: none outside it
        names = _names(disk)
        _one_line(run_cli(["load", str(new_export), "--db", str(db)]), str(db), NO_SPACE)
        assert _names(disk) == names  # no .wal, no .spill, no partial file
        (disk / "filler").unlink()
        assert fingerprint(db) == before
        # and with room again, the same load works (nothing left behind blocks it)
        assert run_cli(["load", str(new_export), "--db", str(db)]).exit_code == 0


def test_a_first_load_on_a_full_disk_leaves_no_warehouse(new_export, tmp_path):
    with tmpfs(tmp_path / "disk", "2m") as disk:
        fill(disk, leave=128 * 1024)
        _one_line(run_cli(["load", str(new_export), "--db", str(disk / "new.duckdb")]), str(disk), NO_SPACE)
        assert _names(disk) == ["filler"]


def test_a_full_disk_during_a_build_leaves_no_working_copy(loaded_db, tmp_path):
    with tmpfs(tmp_path / "disk", "8m") as disk:
        db = disk / "w.duckdb"
        shutil.copyfile(loaded_db, db)
        before = fingerprint(db)
        fill(disk, leave=db.stat().st_size // 2)  # the working copy cannot fit
        names = _names(disk)
        _one_line(run_cli(["build", "--db", str(db)]), str(disk), NO_SPACE)
        assert [n for n in _names(disk) if n not in names] == []  # no <db>.building-<pid>, no link, no spill
        assert fingerprint(db) == before


# ---- release and report output folders ------------------------------------------------------------------


def test_a_release_into_a_read_only_folder_is_one_line(built_warehouse, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    with read_only(source, tmp_path / "ro") as folder:
        result = run_cli(
            [
                "release",
                "tables",
                "--db",
                str(built_warehouse),
                "--out",
                str(folder / "tables"),
                "--secret-file",
                str(tmp_path / "k"),
                "--years",  # one year's tables: the same files to write, fewer cells to suppress first
                "2022",
            ]
        )
        _one_line(result, str(folder), READ_ONLY, "nothing was written")
    assert _names(source) == []


def test_a_release_on_a_full_disk_leaves_nothing(built_warehouse, tmp_path):
    with tmpfs(tmp_path / "disk", "2m") as disk:
        fill(disk, leave=48 * 1024)
        before = tree(disk)
        result = run_cli(
            [
                "release",
                "tables",
                "--db",
                str(built_warehouse),
                "--out",
                str(disk / "tables"),
                "--secret-file",
                str(tmp_path / "k"),
                "--years",  # one year's tables: the same files to write, fewer cells to suppress first
                "2022",
            ]
        )
        _one_line(result, str(disk), NO_SPACE, "nothing was written")
        assert tree(disk) == before  # no hidden staging folder left


def test_a_report_into_a_read_only_folder_is_one_line(built_warehouse, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    with read_only(source, tmp_path / "ro") as folder:
        result = run_cli(
            ["report", "moc", "--year", "2022", "--db", str(built_warehouse), "--out", str(folder / "reports")]
        )
        _one_line(result, str(folder), READ_ONLY)
    assert _names(source) == []


def test_a_report_on_a_full_disk_leaves_nothing_partial(built_warehouse, tmp_path):
    with tmpfs(tmp_path / "disk", "2m") as disk:
        out = disk / "reports"
        out.mkdir()
        (out / "keep.txt").write_text("an earlier file in the output folder")
        fill(disk, leave=48 * 1024)
        before = tree(disk)
        result = run_cli(["report", "moc", "--year", "2022", "--db", str(built_warehouse), "--out", str(out)])
        _one_line(result, str(disk), NO_SPACE)
        assert tree(disk) == before  # no .part file, no half of the report's files


# ---- the working copy's bytes ----------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["copy_file_range", "refused"])
def test_the_working_copy_is_the_warehouse_byte_for_byte(tmp_path, monkeypatch, kernel):
    """files.copy_like copies in the kernel (copy_file_range) and falls back to a buffer where the kernel refuses
    (another file system, an old kernel): either way every byte, in order, with the source's mode."""
    import errno
    import os

    from warehouse.files import copy_like

    source = tmp_path / "w.duckdb"
    source.write_bytes(os.urandom(3 * (1 << 20) + 12345))  # more than one buffer, not a multiple of it
    source.chmod(0o640)
    calls = []
    if kernel == "refused":

        def refuse(*args):
            calls.append(args)
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refuse)
    copy = tmp_path / "w.duckdb.building-1"
    copy_like(source, copy)
    assert copy.read_bytes() == source.read_bytes()
    assert copy.stat().st_mode & 0o777 == 0o640
    assert len(calls) == (1 if kernel == "refused" else 0)


@pytest.mark.parametrize("disk", ["sound", "failing"])
def test_a_write_back_error_of_the_working_copy_refuses_its_publish(tmp_path, monkeypatch, disk):
    """A build writes its fresh working copy back to the disk in a thread while dbt starts (workcopy.Flush).
    An error that write-back meets (EIO from a failing disk, injected: no real disk here fails on demand) is not
    lost with the thread: publish refuses the copy, naming it and the cause, and the published file is unchanged.
    On a sound disk the same copy is published."""
    import errno
    import threading

    import duckdb

    from warehouse.build import workcopy

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table t as select 1 as x")
    con.close()
    paths = workcopy.WorkPaths(db)
    copy = workcopy.make_copy(paths)
    con = duckdb.connect(str(copy))
    con.execute("insert into t values (2)")
    con.close()
    before = fingerprint(db)
    if disk == "failing":

        def failing(path):
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(workcopy, "_fsync", failing)
    flush = workcopy.Flush(copy)
    if disk == "failing":
        with pytest.raises(workcopy.BuildError, match=f"cannot write the working copy {copy}: input/output error"):
            workcopy.publish(paths, copy, flush)
        assert fingerprint(db) == before and copy.exists()  # the caller discards the refused copy
    else:
        workcopy.publish(paths, copy, flush)
        assert fingerprint(db)["main.t"][0] == 2 and not copy.exists()
    assert "flush working copy" not in [t.name for t in threading.enumerate()]
