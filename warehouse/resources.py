"""How much memory `pars load` and `pars build` let DuckDB use, and where it spills the rest.

DuckDB's default is 80% of the machine's memory: at a decade of national data a load held 9.9 GiB and a
build 7.6 GiB, several times what a plain pandas script needs for the annual tables. Both commands now
set DuckDB's `memory_limit` (default below; `--memory-limit` or the PARS_MEMORY_LIMIT environment
variable change it) and a `temp_directory` beside the warehouse, where DuckDB writes what does not fit
(sorts, joins, window functions and in-memory staging tables all spill). The spill folder is removed
when the command ends; it never holds anything another command needs.

The commands that only read the warehouse in bulk (`pars release`, `pars report`) take the same cap
(`reading`): they hold no lock, so each gets a private spill folder of its own, beside the warehouse
when that folder is writable, else in the system's temporary folder. A command that splits its work
over worker processes splits the cap between them (`share`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .files import make_folder, refuse_symlink

ENV = "PARS_MEMORY_LIMIT"
#: Enough for one national year without spilling; at a decade the big sorts and joins spill.
DEFAULT = "2GB"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


class MemoryLimitError(ValueError):
    """A memory limit that DuckDB would not understand (checked before any work starts)."""


def memory_limit(value: str | None = None) -> str:
    """The limit to use: `value`, else $PARS_MEMORY_LIMIT, else DEFAULT; checked and normalized ('2GB')."""
    chosen = value or os.environ.get(ENV) or DEFAULT
    match = _SIZE.match(chosen)
    if not match:
        source = "--memory-limit" if value else (ENV if os.environ.get(ENV) else "the default")
        raise MemoryLimitError(f"{source}: {chosen!r} is not a size like 2GB, 1500MB or 3GiB")
    number, unit = match.groups()
    if float(number) <= 0:
        raise MemoryLimitError(f"{chosen!r}: the memory limit must be more than zero")
    return f"{number}{unit.upper()}"


_BYTES = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_BYTES.update({"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40})


def size_bytes(limit: str) -> int:
    """A normalized limit ('2GB', '3GIB') in bytes, as DuckDB reads it (GB = 1000^3, GiB = 1024^3)."""
    number, unit = _SIZE.match(limit).groups()
    return int(float(number) * _BYTES[unit.upper()])


def share(limit: str, parts: int) -> str:
    """One of `parts` equal shares of `limit` (for worker processes that each open the warehouse)."""
    return f"{max(1, size_bytes(limit) // max(1, parts) // 1000)}KB"


def duckdb_part(limit: str, *, fraction: float = 1.0, reserve: int = 0) -> str:
    """DuckDB's memory_limit when the cap `limit` (normalized) is for a whole command: `fraction` of it less
    `reserve` bytes for the command's own Python process, never under half of the cap."""
    total = size_bytes(limit)
    return f"{max(1, max(total // 2, int(total * fraction) - reserve) // 1000)}KB"


#: What a build keeps out of DuckDB's part of the cap: dbt's own Python process (its manifest, graph and adapters,
#: about 450 MiB above DuckDB's limit in a decade's build) and the Python models' frames (one reporting year at a
#: time). With the whole cap for DuckDB a decade's build peaked at 3,083 MiB under the 2 GB cap.
BUILD_PYTHON_RESERVE = 500 * 10**6
#: DuckDB's part of the cap in a load: its CSV reader's buffers and the process itself come on top of its
#: memory_limit (a decade's load peaked at 2,304 MiB with DuckDB at the whole 2 GB cap, over the cap + 10%).
LOAD_SHARE = 0.8


def build_share(limit: str) -> str:
    """DuckDB's part of the cap during `pars build`: the cap less BUILD_PYTHON_RESERVE (at least half of it)."""
    return duckdb_part(limit, reserve=BUILD_PYTHON_RESERVE)


def load_share(limit: str) -> str:
    """DuckDB's part of the cap during `pars load`: LOAD_SHARE of it."""
    return duckdb_part(limit, fraction=LOAD_SHARE)


def spill_directory(db: Path) -> Path:
    """Where DuckDB spills for a load or build of `db`: `<db>.spill` beside the warehouse (same disk).

    One stable name (loads and builds hold the warehouse lock, so only one uses it at a time): dbt hashes
    the profile, this path included, into its partial-parse state.
    """
    return db.with_name(f"{db.name}.spill")


def settings(db: Path, value: str | None = None) -> dict[str, str]:
    """DuckDB settings for a load or build of `db`."""
    return {"memory_limit": memory_limit(value), "temp_directory": str(spill_directory(db))}


def apply(con: duckdb.DuckDBPyConnection, db: Path, value: str | None = None) -> None:
    for name, setting in settings(db, value).items():
        con.execute(f"set {name} = ?", [setting])


@contextmanager
def spilling(db: Path) -> Iterator[Path]:
    """The spill folder for `db`, emptied first (a killed command may have left one) and removed at the end.

    Callers hold the warehouse lock. The folder is made here, no more open than the warehouse (0700 beside
    a 0600 file: spilled pages are warehouse data); a symlink planted at its name is refused, never followed or emptied.
    """
    folder = spill_directory(db)
    refuse_symlink(folder)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        make_folder(folder, db)
        yield folder
    finally:
        if not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def reading(db: Path, value: str | None = None) -> Iterator[dict[str, str]]:
    """DuckDB settings for a command that reads `db` in bulk without the lock (a release, a report): the cap
    (`memory_limit(value)`) and a private, new spill folder (0700), removed when the command ends.

    The folder is made beside the warehouse (same disk) when its folder is writable, else in the system's
    temporary folder; DuckDB writes into it only when a query does not fit under the cap.
    """
    limit = memory_limit(value)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{db.name}.spill-", dir=db.parent))
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix=f"{db.name}.spill-"))
    try:
        yield {"memory_limit": limit, "temp_directory": str(folder)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def apply_settings(con: duckdb.DuckDBPyConnection, settings: dict[str, str]) -> None:
    """Set DuckDB settings (from `settings` or `reading`) on a connection."""
    for name, setting in settings.items():
        con.execute(f"set {name} = ?", [setting])


@contextmanager
def read_only(db: Path, value: str | None = None, parts: int = 1) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to `db` under the cap, with a private spill folder (`reading`); closed at the end.

    With `parts`, DuckDB gets that share of the cap (`share`), leaving the rest to the caller's own frames.
    """
    with reading(db, value) as chosen:
        if parts > 1:
            chosen = {**chosen, "memory_limit": share(chosen["memory_limit"], parts)}
        con = duckdb.connect(str(db), read_only=True)
        try:
            apply_settings(con, chosen)
            yield con
        finally:
            con.close()
