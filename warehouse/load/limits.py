"""Size limits of one field and one record of an export file (issue 12: memory holds on hostile input).

A value longer than the field limit is quarantined as `field_size`; a record longer than the record
limit as `record_size`, and it is never held in memory whole: the reader skips it in chunks and keeps
only its first characters for the quarantine. Both limits count UTF-8 bytes. The defaults are far above
any legitimate PARS value (names and titles are under 1 KB) and above what earlier tests load on
purpose (a 10 MB title), and far below what the memory cap (--memory-limit) needs to stay intact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import LoadError

DEFAULT_MAX_FIELD = "16MB"
DEFAULT_MAX_RECORD = "32MB"
#: How much of an oversize value or record the quarantine keeps (characters).
KEEP_CHARS = 1000
#: A Parquet file whose text expands to more than this many times its size (and more than FLOOR bytes)
#: is refused as a decompression bomb. Real exports compress text 3-10 times.
MAX_EXPANSION = 100
EXPANSION_FLOOR = 64_000_000

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KIB|MIB|GIB)?\s*$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


@dataclass(frozen=True)
class Limits:
    field: int
    record: int


def parse_size(value: str | int, flag: str) -> int:
    """Bytes of a size like 16MB, 512KiB or 4096 (plain bytes); a LoadError names the flag otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise LoadError(f"{value!r} is not a size like 16MB, 512KiB or 4096", file=flag, rule="limit")
        number = int(float(match.group(1)) * _UNITS[(match.group(2) or "B").upper()])
    if number < 64:
        raise LoadError(f"{value!r}: the limit must be at least 64 bytes", file=flag, rule="limit")
    return number


def limits(max_field: str | int | None = None, max_record: str | int | None = None) -> Limits:
    field = parse_size(max_field if max_field is not None else DEFAULT_MAX_FIELD, "--max-field-size")
    record = parse_size(max_record if max_record is not None else DEFAULT_MAX_RECORD, "--max-record-size")
    return Limits(field, record)
