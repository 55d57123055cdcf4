"""Symlinks planted beside the warehouse: a local user who can write the warehouse's folder points one of the
names a load or build creates (`<db>.lock`, `<db>.wal`, `<db>.spill`, `<db>.dbt`, `<db>.building-<pid>`) at a
file or folder of theirs or of the victim. Every such name is refused with one line (exit 1), the link's target
is left exactly as it was, and the warehouse is unchanged.

Old code: the lock was opened with O_CREAT and truncated, through the link (the target emptied, exit 0); the
working copy was written through a planted link; dbt wrote into (and read its parse state from) a linked folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from security.filesystems import error_lines, run_cli, tree
from tests.helpers import copy_export, fingerprint
from warehouse.build import BuildError, workcopy
from warehouse.build.workcopy import WorkPaths

SECRET = b"the victim's file: must survive\n"


@pytest.fixture
def setup(loaded_db, base_export, tmp_path) -> tuple[Path, Path, Path]:
    """(warehouse, a new export to load, the victim folder) under tmp_path."""
    db = tmp_path / "wh" / "w.duckdb"
    db.parent.mkdir()
    shutil.copyfile(loaded_db, db)
    export = copy_export(base_export, tmp_path / "export", suffix="-new")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "file").write_bytes(SECRET)
    return db, export, victim


def _command(kind: str, db: Path, export: Path) -> list[str]:
    return ["load", str(export), "--db", str(db)] if kind == "load" else ["build", "--db", str(db)]


def _assert_refused(result, db: Path, link: Path, before: dict, victim: Path, victim_before: dict) -> None:
    assert result.exit_code == 1, result.output
    lines = error_lines(result)
    assert len(lines) == 1, lines
    assert str(link) in lines[0] and "symbolic link" in lines[0], lines[0]
    assert fingerprint(db) == before
    assert tree(victim) == victim_before
    assert (victim / "file").read_bytes() == SECRET
    assert link.is_symlink()  # left for the operator to look at, not followed, not removed


@pytest.mark.parametrize("kind", ["load", "build"])
def test_a_symlinked_lock_file_is_refused_and_its_target_untouched(setup, kind):
    db, export, victim = setup
    link = db.with_name(db.name + ".lock")
    link.symlink_to(victim / "file")
    before, victim_before = fingerprint(db), tree(victim)
    _assert_refused(run_cli(_command(kind, db, export)), db, link, before, victim, victim_before)


@pytest.mark.parametrize("kind", ["load", "build"])
def test_a_symlinked_spill_folder_is_refused(setup, kind):
    db, export, victim = setup
    link = db.with_name(db.name + ".spill")
    link.symlink_to(victim, target_is_directory=True)
    before, victim_before = fingerprint(db), tree(victim)
    _assert_refused(run_cli(_command(kind, db, export)), db, link, before, victim, victim_before)


def test_a_symlinked_write_ahead_log_is_refused(setup):
    db, export, victim = setup
    link = db.with_name(db.name + ".wal")
    link.symlink_to(victim / "file")
    before, victim_before = fingerprint(db), tree(victim)
    _assert_refused(run_cli(_command("load", db, export)), db, link, before, victim, victim_before)


def test_a_symlinked_dbt_folder_is_refused(setup):
    db, export, victim = setup
    link = db.with_name(db.name + ".dbt")
    link.symlink_to(victim, target_is_directory=True)
    before, victim_before = fingerprint(db), tree(victim)
    _assert_refused(run_cli(_command("build", db, export)), db, link, before, victim, victim_before)


def test_a_planted_working_copy_link_is_not_written_through(setup):
    db, _export, victim = setup
    paths = WorkPaths(db.resolve())
    planted = paths.copy()  # this process's own `<db>.building-<pid>`, planted between two steps
    planted.symlink_to(victim / "file")
    with pytest.raises(BuildError, match="symbolic link|exists"):
        workcopy.make_copy(paths)
    assert (victim / "file").read_bytes() == SECRET
    assert planted.is_symlink() and not paths.link.is_symlink()
    assert sorted(os.listdir(db.parent)) == sorted([db.name, planted.name])
