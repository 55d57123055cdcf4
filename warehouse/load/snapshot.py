"""An export read as one snapshot: the bytes loaded are the bytes checked, or the load fails.

Each file is opened once, at the loader's first look, and every later read (the UTF-8 and header pass,
DuckDB's reader, the exact CSV path) goes through that open file (`/proc/self/fd/N` on Linux), so a file
renamed over the export's file meanwhile is never read. Before the load commits, `verify` checks that
nothing changed: the path still names the same file (device, inode), the open file's size, mtime and
ctime are as first seen (ctime cannot be set back by a user), and its SHA-256 is the one the first pass
computed. With `files` in the manifest the first pass is also checked against the exporter's word:
bytes, SHA-256 and record count (see docs/export-format.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from . import exportfile
from .errors import LoadError
from .manifest import MANIFEST, Manifest
from .regular import open_regular

CHUNK = 8 << 20
_PROC_FD = Path("/proc/self/fd")


@dataclass
class PinnedFile(exportfile.ExportFile):
    """An export file read through the descriptor opened at the first look; `name` stays the export's."""

    label: str = ""
    origin: Path = Path()
    fd: int = -1
    first: tuple[int, ...] = ()  # (dev, ino, size, mtime_ns, ctime_ns) at the first look
    checked_sha256: str = ""  # the first pass's hash (the reader may hash again later, e.g. Parquet)

    @property
    def name(self) -> str:
        return self.label


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Snapshot:
    """The export's data files, held open from the loader's first look until the load ends (a context)."""

    def __init__(self, files: list[exportfile.ExportFile], manifest: Manifest) -> None:
        self.manifest = manifest
        self.files: list[PinnedFile] = []
        try:
            for f in files:
                self.files.append(_pin(f))
            self._check_listing()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        for f in self.files:
            if f.fd >= 0:
                os.close(f.fd)
                f.fd = -1

    def _check_listing(self) -> None:
        """With `files` in the manifest: the export holds exactly those files, each of the stated size."""
        listed = self.manifest.files
        if not listed:
            return
        present = {f.name for f in self.files}
        for name in listed:
            if name not in present:
                raise LoadError(
                    f"listed in {MANIFEST} but missing from the export (lost in the transfer?)",
                    file=name,
                    rule="manifest_files",
                )
        for f in self.files:
            entry = listed.get(f.name)
            if entry is None:
                raise LoadError(
                    f"not listed in {MANIFEST}'s files (every file of this export is listed there)",
                    file=f.name,
                    rule="manifest_files",
                )
            size = f.first[2]
            if entry.bytes is not None and size != entry.bytes:
                what = "truncated: " if size < entry.bytes else ""
                raise LoadError(
                    f"{what}{size:,} bytes, {MANIFEST} says {entry.bytes:,} "
                    "(the transfer was cut short or the file changed)",
                    file=f.name,
                    rule="manifest_bytes",
                )

    def check_hashes(self) -> None:
        """After the first pass: hash what it did not (Parquet), record each hash, compare with the manifest."""
        for f in self.files:
            if not f.sha256:
                f.sha256 = _sha256_fd(f.fd)
            f.checked_sha256 = f.sha256
            self._check_hash(f)

    def _check_hash(self, f: PinnedFile) -> None:
        entry = self.manifest.files.get(f.name)
        if entry and entry.sha256 and f.sha256 != entry.sha256:
            raise LoadError(
                f"SHA-256 {f.sha256} does not match {MANIFEST} ({entry.sha256}): "
                "the file changed after it was exported",
                file=f.name,
                rule="manifest_sha256",
            )

    def check_rows(self, f: PinnedFile, records: int) -> None:
        entry = self.manifest.files.get(f.name)
        if entry and entry.rows is not None and records != entry.rows:
            cause = "truncated or changed?" if records < entry.rows else "changed?"
            raise LoadError(
                f"has {records:,} records, {MANIFEST} says {entry.rows:,} ({cause})", file=f.name, rule="manifest_rows"
            )

    def verify(self) -> None:
        """Fail if any file changed since the first look: replaced, rewritten, truncated or removed."""
        for f in self.files:
            now = _identity(os.fstat(f.fd))
            try:
                at_path = _identity(os.lstat(f.origin))  # a symlink put there since is another file
            except OSError:
                at_path = None
            if at_path is None or at_path[:2] != f.first[:2]:
                why = "removed" if at_path is None else "replaced by another file"
            elif now != f.first:
                why = "rewritten (its size or times changed)"
            elif _sha256_fd(f.fd) != f.checked_sha256:
                why = "rewritten (its content changed)"
            else:
                continue
            raise LoadError(
                f"changed during the load ({why}): load the export again once nothing writes to it",
                file=f.name,
                rule="changed_during_load",
            )


def _pin(f: exportfile.ExportFile) -> PinnedFile:
    try:
        fd, st = open_regular(f.path, f.name)  # a symlink or anything but a regular file is refused, never followed
    except FileNotFoundError:
        raise LoadError("removed before it could be opened", file=f.name, rule="file") from None
    fields = {fl.name: getattr(f, fl.name) for fl in dataclasses.fields(exportfile.ExportFile)}
    via = _PROC_FD / str(fd)
    fields["path"] = via if via.exists() else f.path  # without /proc, verify() still detects a change
    return PinnedFile(**fields, label=f.name, origin=f.path, fd=fd, first=_identity(st))


def _sha256_fd(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, CHUNK, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()
