"""One writer at a time per warehouse: an exclusive `flock` on `<db>.lock`, taken by loads and builds.

Why a lock file and not DuckDB's own file lock: a build works on a copy of the warehouse and swaps it
in at the end, so a load committed to the published file while the build ran would be lost by the swap.
The lock spans the whole load or the whole build. The kernel drops it when its holder dies (kill -9
included), so a lock is never stale; the file itself stays (deleting a lock file races with its users).

The lock file is opened with O_NOFOLLOW and never truncated on open: a symlink planted at `<db>.lock` (or at
`<db>.wal`, which DuckDB would write through) is refused, its target untouched. It is created no more open
than the warehouse (warehouse/files.py), and a folder that cannot hold it (read-only, full) is one line.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from .files import FileProblem, describe, open_beside, refuse_symlink


class WarehouseBusy(Exception):
    """Another load or build holds the warehouse."""

    def __init__(self, db: Path, holder: str) -> None:
        self.db = db
        self.holder = holder
        super().__init__(f"the warehouse {db} is busy: {holder} is running; try again when it finishes")


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextmanager
def exclusive(db: Path | str, purpose: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the warehouse's lock for `purpose` ("load", "build" ...); WarehouseBusy if it is taken.

    `wait` seconds are spent retrying before giving up (0: refuse at once).
    """
    db = Path(db).resolve()  # one lock per file, whatever the path it is reached by
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileProblem(describe(exc, "cannot create the warehouse folder", db.parent)) from None
    fd = open_beside(lock_path(db), db, os.O_RDWR | os.O_CREAT)
    wal = db.with_name(db.name + ".wal")
    try:
        refuse_symlink(wal)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(db, _holder(fd)) from None
                time.sleep(0.1)
        had_wal = wal.exists()
        # who holds it, for the message of whoever is refused (read only while the lock is held by them)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"a {purpose} (pid {os.getpid()}, since {datetime.now():%H:%M:%S})".encode(), 0)
        except OSError:  # a full disk: the lock holds all the same, only the holder's name is missing
            pass
        try:
            yield
        finally:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            _drop_empty_wal(wal, had_wal)
    finally:
        os.close(fd)  # releases the flock


def _drop_empty_wal(wal: Path, had_wal: bool) -> None:
    """An empty write-ahead log that this holder's failed commit left (a full disk): nothing in it, remove it."""
    try:
        if not had_wal and not wal.is_symlink() and wal.stat().st_size == 0:
            wal.unlink()
    except OSError:
        pass


def _holder(fd: int) -> str:
    text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    return text or "another load or build"
