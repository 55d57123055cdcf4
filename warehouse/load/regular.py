"""Opening an export's files: each must be a regular file in the export folder itself, never a symlink.

A hostile export must read nothing outside its folder (docs/security.md): a symlink at a file's name (to
another user's CSV, to /etc/passwd, even to another file of the export) is refused, never followed. The
file is opened with O_NOFOLLOW and judged by `fstat` on the open descriptor, so there is no moment between
the check and the open for a swap; the `lstat` before the open only spares a device or FIFO being opened
(and gives a symlink its own message). O_NONBLOCK keeps a FIFO from waiting for a writer; it is cleared
once the file is known to be regular. The export folder itself (the user's own path) may be a symlink.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import LoadError

RULE = "not_regular_file"

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a plain file")


def not_regular(name: str, mode: int) -> LoadError:
    return LoadError(
        f"not a regular file ({_kind(mode)}): every file of an export must be a regular file in the export "
        "folder itself (a symbolic link is never followed)",
        file=name,
        rule=RULE,
    )


def open_regular(path: Path, name: str) -> tuple[int, os.stat_result]:
    """An O_RDONLY descriptor of `path` and its fstat; refused (LoadError `not_regular_file`, naming `name`)
    unless it is a regular file reached without a symlink. FileNotFoundError passes through for the caller."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(name, st.st_mode)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symlink swapped in after the lstat
            raise not_regular(name, stat.S_IFLNK) from None
        if exc.errno == errno.ENXIO:  # a socket swapped in
            raise not_regular(name, stat.S_IFSOCK) from None
        raise LoadError(f"cannot be opened: {exc.strerror}", file=name, rule="file") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # the verdict on what was opened, not on what the path named before
            raise not_regular(name, st.st_mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st
