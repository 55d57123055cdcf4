"""File modes: a build republishes the warehouse with its own mode and owner, and nothing it creates beside
the warehouse (working copy, spill folder, dbt folder, lock file) is more open than the warehouse itself.

Old code: `pars build` swapped in a copy made by shutil.copyfile, so a 0600 warehouse came back 0644 and
owned by whoever ran the build; the copy, the dbt folder and the lock file were 0644/0755 all along.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

from tests.helpers import copy_export, fingerprint
from warehouse.build import build
from warehouse.load import load_export

OWNER = (4321, 4322)  # a user and group that exist nowhere: only the numbers matter


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _no_more_open(mode: int, than: int) -> bool:
    """`mode` grants group/other nothing that `than` does not (x bits of folders count as r)."""

    def widen(m: int) -> int:
        return m | ((m & 0o444) >> 2)  # r implies the x a folder needs

    return (mode & 0o077) & ~widen(than & 0o077) == 0


def test_a_build_keeps_the_warehouse_mode_and_owner_and_opens_nothing_wider(loaded_db, tmp_path):
    db = tmp_path / "private.duckdb"
    shutil.copyfile(loaded_db, db)
    os.chmod(db, 0o600)
    os.chown(db, *OWNER)
    before = fingerprint(db)
    seen: dict[str, int] = {}

    def progress(text: str, _done: int, _total: int) -> None:
        if text.startswith("dbt: starting"):  # the working copy exists, dbt is about to write beside it
            for path in tmp_path.iterdir():
                if path.name != db.name and not path.is_symlink():
                    seen[re.sub(r"-\d+", "", path.name)] = _mode(path)  # the copy and its log apart

    result = build(db, progress=progress, select="stg_pars__providers")  # one model: the copy and swap are the same
    assert result.ok and result.published, (result.error, result.failures)
    st = db.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600, f"the published warehouse is {oct(stat.S_IMODE(st.st_mode))}"
    assert (st.st_uid, st.st_gid) == OWNER
    assert fingerprint(db) != before  # it really was republished (marts added)
    assert seen.get("private.duckdb.building") == 0o600, seen  # the working copy: never wider, from the start
    assert {"private.duckdb.lock", "private.duckdb.dbt", "private.duckdb.spill"} <= seen.keys(), seen
    for name, mode in seen.items():
        assert _no_more_open(mode, 0o600), f"{name} is {oct(mode)} beside a 0600 warehouse"


def test_a_load_keeps_the_warehouse_mode_and_owner(loaded_db, base_export, tmp_path):
    db = tmp_path / "private.duckdb"
    shutil.copyfile(loaded_db, db)
    os.chmod(db, 0o640)
    os.chown(db, *OWNER)
    export = copy_export(base_export, tmp_path / "export", suffix="-again")
    load_export(export, db)
    st = db.stat()
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o640, *OWNER)
    assert _mode(db.with_name(db.name + ".lock")) == 0o640 & ~0o111


def test_what_duckdb_creates_during_a_load_or_build_is_no_wider_than_the_warehouse(tmp_path):
    """DuckDB deletes a write-ahead log at each checkpoint and creates the next one itself, with the process umask's
    mode: beside a 0600 warehouse, a working copy's log was 0644 while dbt wrote. Loads and builds run under
    files.created_no_wider_than(the warehouse): here a database and its log created under it, beside a 0600
    reference, are 0600, and a folder 0700; the umask is the caller's again afterwards."""
    import duckdb

    from warehouse.files import created_no_wider_than

    reference = tmp_path / "w.duckdb"
    reference.write_bytes(b"")
    os.chmod(reference, 0o600)
    before = os.umask(0o022)
    try:
        with created_no_wider_than(reference):
            con = duckdb.connect(str(tmp_path / "w.duckdb.building-1"))
            con.sql("pragma disable_checkpoint_on_shutdown")
            con.sql("create table t as select 1 as x")
            con.close()
            (tmp_path / "w.duckdb.dbt").mkdir()
        log = tmp_path / "w.duckdb.building-1.wal"
        assert log.is_file()  # the log DuckDB created, left for the next connection
        assert _mode(log) == 0o600 and _mode(tmp_path / "w.duckdb.building-1") == 0o600
        assert _mode(tmp_path / "w.duckdb.dbt") == 0o700
        assert os.umask(0o022) == 0o022  # restored
        # the threat, without it: DuckDB's own log of a database beside the same reference is 0644
        con = duckdb.connect(str(tmp_path / "w.duckdb.building-2"))
        con.sql("pragma disable_checkpoint_on_shutdown")
        con.sql("create table t as select 1 as x")
        con.close()
        assert _mode(tmp_path / "w.duckdb.building-2.wal") == 0o644
    finally:
        os.umask(before)
