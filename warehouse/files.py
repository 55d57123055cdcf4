"""The files and folders the commands create: never through a planted symlink, never more open than the
warehouse, and an operating-system failure (full disk, read-only folder) said in one line.

Loads and builds create names beside the warehouse (`<db>.lock`, `<db>.wal`, `<db>.spill`, `<db>.dbt`,
`<db>.building-<pid>`). Whoever can write the warehouse's folder could plant a symlink under one of them and
have a command truncate, overwrite or fill the link's target, or read dbt's state from a folder of theirs:
each is refused (FileProblem). New files and folders take the warehouse's own permission bits (minus the
process umask for new ones), so a 0600 warehouse never gets a readable working copy, spill or dbt folder.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: The causes an operator can act on, as the messages say them (os.strerror, lower case).
_CAUSES = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO, errno.EFBIG)
_QUOTED_PATH = re.compile(r'"(/[^"]+)"|\'(/[^\']+)\'')


class FileProblem(Exception):
    """A file or folder a command needs cannot be written safely; the message is one line, path and cause."""


def cause(exc: BaseException) -> str | None:
    """'no space left on device', 'read-only file system' ... for an OSError or a DuckDB error caused by one."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno).lower()
    text = str(exc)
    for number in _CAUSES:
        if os.strerror(number).lower() in text.lower():
            return os.strerror(number).lower()
    return None


def describe(exc: BaseException, doing: str, path: Path | str | None = None, within: Path | str | None = None) -> str:
    """One line: what failed, on which path, and why ("cannot write /x/w.duckdb.wal: no space left on device").

    `path` names the file outright; otherwise the error's own file name is used, else `within` (the folder a
    writer that does not say which file it was writing wrote into).
    """
    if path is None:
        path = getattr(exc, "filename", None)
    if path is None:
        found = _QUOTED_PATH.search(str(exc))
        path = (found.group(1) or found.group(2)) if found else within
    why = cause(exc) or " ".join(str(exc).split())
    return f"{doing} {path}: {why}" if path else f"{doing}: {why}"


def refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise FileProblem(
            f"{path} is a symbolic link (to {os.readlink(path)}); refusing to follow it: "
            "remove it if you did not put it there"
        )


def file_mode(reference: Path) -> int | None:
    """The permission bits (rw only) new files beside `reference` may have; None when it does not exist."""
    try:
        return stat.S_IMODE(reference.stat().st_mode) & 0o666
    except FileNotFoundError:
        return None


def folder_mode(reference: Path) -> int:
    """A folder beside `reference`: its rw bits, plus x wherever it grants r (0600 -> 0700, 0644 -> 0755)."""
    mode = file_mode(reference)
    if mode is None:
        return 0o777  # the umask decides, as for any new folder
    return mode | ((mode & 0o444) >> 2)


@contextmanager
def created_no_wider_than(reference: Path) -> Iterator[None]:
    """While it lasts, new files and folders of this process, whoever creates them (DuckDB's write-ahead logs, which
    it deletes at each checkpoint and creates again; dbt's files), are no more open than `reference` (a narrower
    process umask, restored after). Without it a 0600 warehouse's working copy got a 0644 log while dbt wrote."""
    mode = file_mode(reference)
    if mode is None:
        yield
        return
    old = os.umask(0o077)
    os.umask(old | (0o777 & ~folder_mode(reference)))
    try:
        yield
    finally:
        os.umask(old)


def open_beside(path: Path, reference: Path, flags: int) -> int:
    """os.open `path` with O_NOFOLLOW (a symlink there is refused), created no more open than `reference`."""
    mode = file_mode(reference)
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644 if mode is None else mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            refuse_symlink(path)
        raise FileProblem(describe(exc, "cannot open", path)) from None
    if mode is not None:
        try:
            current = stat.S_IMODE(os.fstat(fd).st_mode)
            if current & ~mode:
                os.fchmod(fd, current & mode)  # an older, wider file (made before this rule) is narrowed
        except OSError:
            pass
    return fd


def make_folder(path: Path, reference: Path) -> Path:
    """Create `path` (one level) no more open than `reference`; an existing folder is narrowed, a link refused."""
    refuse_symlink(path)
    allowed = folder_mode(reference)
    try:
        path.mkdir(mode=allowed, exist_ok=True)
        current = stat.S_IMODE(path.lstat().st_mode)
        if current & ~allowed:
            path.chmod(current & allowed)
    except OSError as exc:
        raise FileProblem(describe(exc, "cannot create the folder", path)) from None
    if not path.is_dir() or path.is_symlink():
        raise FileProblem(f"{path} exists and is not a folder")
    return path


def copy_like(src: Path, dst: Path) -> None:
    """Copy `src` to a new file `dst` with src's mode and (where permitted) owner and group, from the first byte.

    O_EXCL|O_NOFOLLOW: an existing `dst`, a planted link included, is refused rather than written through.
    A copy that fails (a full disk) is removed before the error is raised.
    """
    st = src.stat()
    try:
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        if dst.is_symlink():
            refuse_symlink(dst)
        raise FileProblem(f"{dst} already exists; not overwriting it") from None
    except OSError as exc:
        raise FileProblem(describe(exc, "cannot create", dst)) from None
    try:
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except PermissionError:  # not root: the file stays ours, with the group we may give it
            pass
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        with src.open("rb") as source:
            _copy_bytes(source.fileno(), fd, st.st_size)
    except OSError as exc:
        os.close(fd)
        dst.unlink(missing_ok=True)
        raise FileProblem(describe(exc, "cannot write", dst)) from None
    os.close(fd)


def _copy_bytes(source: int, target: int, size: int) -> None:
    """Copy `size` bytes between two files opened at offset 0: in the kernel (copy_file_range: no round trip
    through this process, about 15% faster for a decade's 3 GB warehouse), else through a buffer (a file system
    or kernel without it, or a file that grew meanwhile)."""
    copied = 0
    if hasattr(os, "copy_file_range"):
        try:
            while copied < size:
                written = os.copy_file_range(source, target, size - copied)
                if written == 0:
                    break
                copied += written
        except OSError as exc:
            if copied or exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                raise
    while chunk := os.read(source, 1 << 20):  # the rest: all of it when copy_file_range was refused
        view = memoryview(chunk)
        while view:
            view = view[os.write(target, view) :]


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """A hidden folder inside `out` to write a command's files into; moved into `out` only when all are written.

    Why: each report file is written atomically, but a full disk after the first of several files would
    leave a partial set. The final moves are renames (no space needed). On any failure the staging folder
    is removed, and so is `out` if this call created it.
    """
    out = Path(out)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=out, prefix=".pars-staging-"))
    except OSError as exc:
        raise FileProblem(describe(exc, "cannot write into", out)) from None
    try:
        yield stage
        from .paths import confined, remove_tree

        for entry in sorted(stage.iterdir()):
            target = confined(out, entry.name)  # a planted symlink pointing outside `out` is refused
            if entry.is_dir() and target.is_dir():
                remove_tree(out, entry.name)  # never through a symlink
            os.replace(entry, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    shutil.rmtree(stage, ignore_errors=True)


def moved(path: Path, stage: Path, out: Path) -> Path:
    """Where a path written under the staging folder is after staged_output moved it."""
    try:
        return Path(out) / Path(path).relative_to(stage)
    except ValueError:
        return Path(path)


def fsync_path(path: Path) -> None:
    """Flush a file's (or a folder's: its entries) data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def move_into_place(done: Path, path: Path) -> None:
    """Put a finished file (written and closed by its maker, e.g. a first load's DuckDB file) at `path` in one
    rename, and make the rename durable (the folder fsynced)."""
    fsync_path(done)
    os.replace(done, path)
    try:
        fsync_path(path.parent)
    except OSError:  # the file is in place; a folder that cannot be opened for a sync keeps it anyway
        pass


def atomic_write(path: Path, write: Callable[[Path], object], mode: int | None = None) -> Path:
    """The one way a command writes a file that readers may already hold: `write(tmp)` fills a temporary file
    beside `path`, which is fsynced and `os.replace`d over `path`, and the folder fsynced (the rename made
    durable). A failure leaves the old file as it was and no temporary behind.

    The file is created 0600 (mkstemp) and keeps that unless `mode` says otherwise: reports, users files and
    sign-in state are the owner's until the owner shares them.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        if mode is not None:
            tmp.chmod(mode)
        write(tmp)
        fsync_path(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    try:
        fsync_path(path.parent)
    except OSError:  # the file is in place; a folder that cannot be opened for a sync keeps it anyway
        pass
    return path


@contextmanager
def atomic_folder(out: Path, mode: int | None = 0o755, clear: Callable[[], object] | None = None) -> Iterator[Path]:
    """The one way a command publishes a folder of files: they are written into a hidden staging folder beside
    `out` (the block's value), fsynced, and the folder renamed to `out` when the block ends; an error inside the
    block (a guarantee not met, a full disk) removes the staging folder and leaves nothing.

    `out` must not exist or be an empty folder, unless `clear` removes what is there (called just before the
    rename, once everything is written). `mode`: the published folder's permission bits (None keeps mkdtemp's 0700).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield staging
        for entry in sorted(staging.rglob("*")):
            if entry.is_file() and not entry.is_symlink():
                fsync_path(entry)
        if clear is not None:
            clear()
        elif out.exists():
            out.rmdir()
        if mode is not None:
            staging.chmod(mode)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        fsync_path(out.parent)
    except OSError:
        pass
