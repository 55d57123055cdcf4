"""How much memory `pars load` and `pars build` let DuckDB use, and where it spills the rest.

DuckDB's default is 80% of the machine's memory: at a decade of national data a load held 9.9 GiB and a
build 7.6 GiB, several times what a plain pandas script needs for the annual tables. Both commands now
set DuckDB's `memory_limit` (default below; `--memory-limit` or the PARS_MEMORY_LIMIT environment
variable change it) and a `temp_directory` beside the warehouse, where DuckDB writes what does not fit
(sorts, joins, window functions and in-memory staging tables all spill). The spill folder is removed
when the command ends; it never holds anything another command needs.
"""

from __future__ import annotations

import os
import re
import shutil
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
