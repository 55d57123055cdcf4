"""The working copy a build writes into, and the atomic swap that publishes it.

A build never writes the published file: it copies it to `<db>.building-<pid>`, lets dbt work on the
copy, and `os.replace`s the copy over the published file only when everything passed. A reader holding
the published file open keeps reading the old inode until it reopens (DuckDB readers are not blocked
and block nothing), and a build killed at any moment leaves at most a stale copy, removed by the next
build. Callers hold the warehouse lock (warehouse/locking.py) throughout.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..files import FileProblem, copy_like, describe, refuse_symlink
from ..files import fsync_path as _fsync


class BuildError(Exception):
    """The build could not start or could not publish; the published warehouse is unchanged."""


@dataclass(frozen=True)
class WorkPaths:
    """Every path a build of `db` uses; all derive from the published file's path."""

    db: Path

    @property
    def wal(self) -> Path:
        return wal_of(self.db)

    @property
    def link(self) -> Path:
        """A stable name for the working copy, which dbt sees as PARS_DB.

        Why: dbt hashes the profile (the path included) into its partial-parse state, so a per-pid path
        would make every build re-parse the whole project. DuckDB resolves the link, so the copy's
        write-ahead log sits next to the real `<db>.building-<pid>` and is cleaned up with it.
        """
        return self.db.with_name(self.db.name + ".building")

    def copy(self, pid: int | None = None) -> Path:
        return self.db.with_name(f"{self.db.name}.building-{pid or os.getpid()}")

    @property
    def state(self) -> Path:
        """dbt's folder for this warehouse, beside it: one per warehouse, so partial parsing stays valid."""
        return self.db.with_name(self.db.name + ".dbt")

    @property
    def target(self) -> Path:
        return self.state / "target"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def docs(self) -> Path:
        """The target folder of `pars docs` (its own: the docs copy has another path than the build's)."""
        return self.state / "docs"


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


_COPY = re.compile(r"\.building-(\d+)(\.wal)?$")


def remove_stale(paths: WorkPaths) -> list[Path]:
    """Delete working copies left by builds that died (their pid is gone), and the stable link."""
    removed = []
    for path in paths.db.parent.glob(glob.escape(paths.db.name) + ".building-*"):
        match = _COPY.search(path.name)
        if match and (int(match.group(1)) == os.getpid() or not _alive(int(match.group(1)))):
            path.unlink(missing_ok=True)
            removed.append(path)
    if paths.link.is_symlink() or paths.link.exists():
        paths.link.unlink()
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_no_writer(db: Path) -> None:
    """Open the published file read-only: that fails while any process holds it for writing."""
    if not db.is_file():
        raise BuildError(f"there is no warehouse at {db}: load an export first (pars load EXPORT --db {db})")
    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.Error as exc:
        if "lock" in str(exc).lower() or isinstance(exc, duckdb.ConnectionException):
            raise BuildError(
                f"the warehouse {db} is open for writing by another process or connection: {exc}"
            ) from None
        raise BuildError(f"cannot open the warehouse {db}: {exc}") from None


def apply_wal(db: Path) -> None:
    """Fold a leftover write-ahead log (a writer that stopped without closing) into the published file.

    Why before copying: the new file swapped in later must not find the old file's log beside it; DuckDB
    refuses to open a file whose log belongs to another checkpoint. Folding the log changes no content.
    """
    if not wal_of(db).exists():
        return
    try:
        con = duckdb.connect(str(db))
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise BuildError(
            f"the warehouse {db} has a write-ahead log left by a writer that stopped without closing, and "
            f"it cannot be applied while other processes hold the file open ({exc}); close them and retry"
        ) from None
    try:
        con.sql("checkpoint")
    finally:
        con.close()


def make_copy(paths: WorkPaths) -> Path:
    """Copy the published file to the working copy and point the stable link at it.

    The copy has the published file's mode, owner and group (the rename that publishes it keeps them), and a
    copy that does not fit on the disk is removed before the BuildError.
    """
    copy = paths.copy()
    try:
        refuse_symlink(wal_of(copy))  # DuckDB would write the copy's log through it
        copy_like(paths.db, copy)  # the warehouse's mode and owner from the first byte; a planted link refused
    except FileProblem as exc:
        raise BuildError(str(exc)) from None
    try:
        os.symlink(copy.name, paths.link)
    except OSError as exc:
        copy.unlink(missing_ok=True)
        raise BuildError(describe(exc, "cannot create the link", paths.link)) from None
    return copy


class Flush:
    """The fresh copy's pages written to the disk in a thread while dbt starts.

    The copy leaves the whole file (3 GB at a decade) dirty in the page cache, which the kernel writes back only
    later, and the first checkpoint DuckDB runs inside dbt (its write-ahead log past the threshold) fsyncs the file:
    that statement waited about 1 s for all of it, on one of dbt's two threads. An fsync costs little CPU (about
    0.1 s for 3 GB here: the disk does the work) and releases the interpreter lock, so it overlaps dbt's start-up.
    A write-back error is kept for publish(): an fsync through a descriptor opened after the failure may not report
    it again.
    """

    def __init__(self, path: Path) -> None:
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), name="flush working copy", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            _fsync(path)
        except OSError as exc:
            self.error = exc

    def wait(self) -> OSError | None:
        self._thread.join()
        return self.error


def discard(paths: WorkPaths, copy: Path) -> None:
    for path in (copy, wal_of(copy), paths.link):
        if path.is_symlink() or path.exists():
            path.unlink()


def publish(paths: WorkPaths, copy: Path, flush: Flush | None = None) -> None:
    """Checkpoint and close the finished copy, make it durable, and swap it in with one rename.

    `flush`: the copy's first write-back, started when it was made; its error refuses the copy.
    """
    failed = flush.wait() if flush is not None else None
    if failed is not None:
        raise BuildError(describe(failed, "cannot write the working copy", copy))
    open_fds = _open_by_this_process(copy)
    if open_fds:
        raise BuildError(f"the working copy {copy} is still open ({open_fds}); not publishing")
    try:
        con = duckdb.connect(str(copy))
        try:
            con.sql("checkpoint")
        finally:
            con.close()
    except duckdb.Error as exc:  # a full disk at the checkpoint
        raise BuildError(describe(exc, "cannot checkpoint the working copy", copy)) from None
    if wal_of(copy).exists():
        raise BuildError(f"the working copy {copy} still has a write-ahead log after its checkpoint")
    _fsync(copy)
    os.replace(copy, paths.db)  # the commit point: before it the old file is published, after it the new
    try:
        _fsync(paths.db.parent)
        paths.link.unlink(missing_ok=True)
    except OSError:  # the swap is done; a leftover link is removed by the next build
        pass


def _open_by_this_process(path: Path) -> list[str]:
    """File descriptors of this process on `path` (Linux /proc; elsewhere nothing is reported)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return []
    target = str(path.resolve())
    found = []
    for fd in fds.iterdir():
        try:
            if os.readlink(fd) == target:
                found.append(fd.name)
        except OSError:
            continue
    return found
