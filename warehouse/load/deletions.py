"""Consent for mass deletions: how many records one file of a full export may soft-delete.

A full export deletes the live records of its years that it no longer holds (docs/loading.md). A
truncated transfer, a header-only file or a missing optional file looks exactly like a deliberate
deletion, so one file may delete at most 2% of the live records of the export's years unless the
operator allows more (`pars load --allow-deletions 30%`, or a count: `--allow-deletions 500`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import duckdb

from ..contract import FILES
from ..db import scalar
from .errors import LoadError
from .manifest import Manifest
from .raw import latest_sql
from .references import deletion_scope

DEFAULT_SHARE = Fraction(2, 100)
FLAG = "--allow-deletions"
_VALUE = re.compile(r"(\d+(?:\.\d+)?)(%?)")


@dataclass(frozen=True)
class Allowance:
    """A share of the live records in scope (`share`), or an absolute count of records (`count`)."""

    share: Fraction | None = DEFAULT_SHARE
    count: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Allowance:
        if text is None:
            return cls()
        match = _VALUE.fullmatch(text.strip())
        if not match:
            raise LoadError(
                f"{text!r} is not a share like 10% or a count of records like 500", file=FLAG, rule="allow_deletions"
            )
        number, percent = match.groups()
        if not percent:
            if "." in number:
                raise LoadError(
                    f"{text!r}: a count of records is a whole number (or give a share, e.g. 10%)",
                    file=FLAG,
                    rule="allow_deletions",
                )
            return cls(share=None, count=int(number))
        share = Fraction(number) / 100
        if share > 1:
            raise LoadError(f"{text!r}: a share is at most 100%", file=FLAG, rule="allow_deletions")
        return cls(share=share)

    def allows(self, deleted: int, live: int) -> bool:
        if self.count is not None:
            return deleted <= self.count
        return deleted <= self.share * live

    def __str__(self) -> str:
        if self.count is not None:
            return f"{self.count:,} records"
        return f"{float(self.share * 100):g}%"


def check(con: duckdb.DuckDBPyConnection, manifest: Manifest, names: dict[str, str], allowance: Allowance) -> None:
    """Stop (before anything is written) if a file would delete more than `allowance` allows.

    `names` maps a file's stem to its name in the export (an absent optional file counts as empty).
    Runs after `references.plan_deletions` has created del_<file> for every file.
    """
    if manifest.kind != "full":
        return
    over = []
    for spec in FILES:
        if spec.year_via is None:
            continue
        deleted = scalar(con, f"select count(*) from del_{spec.name}")
        if not deleted:
            continue
        live = scalar(
            con, f"select count(*) from {latest_sql(spec)} l where {deletion_scope(spec, manifest.reporting_years)}"
        )
        if not allowance.allows(deleted, live):
            over.append((names.get(spec.name, f"{spec.name}.csv (absent)"), deleted, live))
    if not over:
        return
    years = ", ".join(str(y) for y in manifest.reporting_years)
    parts = [
        f"{name}: {deleted:,} of {live:,} live records of {years} ({deleted / live:.1%})"
        for name, deleted, live in over
    ]
    needed = max(math.ceil(Fraction(deleted, live) * 100) for _, deleted, live in over)
    first, *rest = parts
    message = (
        f"this full export would soft-delete {first.split(': ', 1)[1]}"
        + (f"; also {'; '.join(rest)}" if rest else "")
        + f": more than {FLAG} allows ({allowance}; a truncated transfer or an empty file looks like this). "
        f"If the deletion is meant, load again with {FLAG} {needed}%"
    )
    raise LoadError(message, file=over[0][0], rule="mass_deletion")
