"""Real full disks and read-only folders for the operator tests (we run as root: chmod alone stops nothing).

A full disk is a small tmpfs filled up to a few kilobytes; a read-only folder is a read-only bind mount.
Both are unmounted at teardown. Where mounting is not permitted (a container without CAP_SYS_ADMIN) the
tests that need them are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here ({done.stderr.strip()}): cannot make a real full or read-only disk")


def _umount(folder: Path) -> None:
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "6m") mounted on `folder` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _umount(folder)


def fill(folder: Path, leave: int) -> Path:
    """Write a filler file until only about `leave` bytes are free on `folder`'s file system."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    filler = folder / "filler"
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))
    return filler


@contextmanager
def read_only(source: Path, folder: Path) -> Iterator[Path]:
    """`source` seen read-only at `folder` (a read-only bind mount: root cannot write through it either)."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(source), str(folder))
    try:
        _mount("-o", "remount,bind,ro", str(folder))
        probe = folder / ".probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:  # pragma: no cover - the kernel ignored "ro"
            probe.unlink()
            pytest.skip("the read-only bind mount accepted a write")
        yield folder
    finally:
        _umount(folder)


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under `folder` with its size and mode: what a refused command must leave as it was."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(folder))] = (st.st_size if not path.is_dir() else 0, st.st_mode)
    return out


def run_cli(args: list[str]) -> Result:
    """Run `pars ARGS` in-process; an exception other than SystemExit is a traceback: fail with it."""
    from warehouse.cli import main

    result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        text = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"pars {' '.join(args[:1])} ended with a traceback:\n{text[-3000:]}")
    return result


def error_lines(result: Result) -> list[str]:
    """The lines a failed command printed that are not progress lines."""
    return [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("[")]


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
