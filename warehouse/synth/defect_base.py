"""The building blocks of the defect kinds: the context, the kind record, and the edits and row filters they use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from warehouse.contract import codes

Make = Callable[[pl.DataFrame, np.random.Generator, "Ctx", int], pl.DataFrame]
Where = Callable[["Ctx"], pl.Expr]


@dataclass
class Ctx:
    year: int
    first: int
    last: int
    activities: pl.DataFrame | None  # the year's typed activities (id, dates, year, other learners)
    moc: pl.DataFrame | None  # the year's (activity_id, board) registrations
    ok: dict[str, pl.Series]  # accepted composite keys of parent files so far
    fresh: Callable[[int], pl.Series]  # n unused numbers


@dataclass(frozen=True)
class Kind:
    name: str
    rule: str
    make: Make | None = None
    where: Where | None = None
    stage: str = "own"  # own: steps 1-5 of loading.md; ref: a reference/cross-file rule (steps 6-7)
    mode: str = "edit"  # edit | dup | dupkey | lines | new
    inplace: bool = True  # False: the edit changes a key that children reference -> always a copy
    applies: Callable[[Ctx], bool] = lambda ctx: True
    unique_by: tuple[str, ...] = ()  # in-place key edits: one target per value (no new key clash)
    prefer: Where | None = None


def comp(cols: tuple[str, ...] | list[str]) -> pl.Expr:
    """A composite key as raw text (NULL reads as empty, like the CSV)."""
    return pl.concat_str([pl.col(c).fill_null("") for c in cols], separator="\x1f")


def put(col: str, *values: str | None) -> Make:
    def make(rows: pl.DataFrame, rng: np.random.Generator, ctx: Ctx, m: int) -> pl.DataFrame:
        start = int(rng.integers(0, len(values)))
        vals = [values[(start + i) % len(values)] for i in range(rows.height)]
        return rows.with_columns(pl.Series(col, vals, dtype=pl.String))

    return make


def expr(**exprs: pl.Expr) -> Make:
    return lambda rows, rng, ctx, m: rows.with_columns(**exprs)


def bad_id(col: str) -> Make:
    """Surrounding whitespace or 41 characters (injective, so keys stay distinct)."""
    c = pl.col(col).fill_null("")
    long = (c + "-" + pl.lit("X" * 40)).str.slice(0, 41)
    return expr(**{col: pl.when(pl.int_range(pl.len()) % 2 == 0).then(" " + c).otherwise(long)})


def unknown_ref(col: str) -> Make:
    def make(rows: pl.DataFrame, rng: np.random.Generator, ctx: Ctx, m: int) -> pl.DataFrame:
        return rows.with_columns(("U" + ctx.fresh(rows.height).cast(pl.String).str.zfill(9)).alias(col))

    return make


def is_(col: str, *values: str) -> Where:
    return lambda ctx: pl.col(col).is_in(list(values))


def parent_ok(*files: str) -> Where:
    cols = {
        "providers": ["provider_id"],
        "activities": ["activity_id"],
        "accreditation_decisions": ["decision_id"],
        "activity_moc_registrations": ["activity_id", "board"],
    }

    def where(ctx: Ctx) -> pl.Expr:
        out = pl.lit(True)
        for f in files:
            keys = ctx.ok.get(f, pl.Series([], dtype=pl.String))
            out = out & comp(cols[f]).is_in(keys.implode())
        return out

    return where


def shift(col: str, by: str, source: str | None = None) -> pl.Expr:
    return pl.col(source or col).str.to_date().dt.offset_by(by).cast(pl.String).alias(col)


BAD_DATES = ("2023-02-31", "03/31/2024", "45382")
OUT_DATES = ("1900-01-01", "2999-12-31")
WRONG_CREDIT = {
    "ABIM": "LL",
    "ABA": "MK",
    "ABP": "MK",
    "ABPath": "CME",
    "ABS": "MK",
    "ABOS": "MK",
    "ABOHNS": "MK",
    "ABTS": "MK",
}
assert all(v not in codes.CREDIT_TYPES_BY_BOARD[b] for b, v in WRONG_CREDIT.items())


def _common(dupkey: Make | None) -> list[Kind]:
    out = [Kind("field_count", "field_count", mode="lines"), Kind("duplicates", "duplicates", mode="dup")]
    if dupkey is not None:
        out.append(Kind("duplicate_key", "duplicate_key", dupkey, mode="dupkey"))
    return out


def _bad_year(rows: pl.DataFrame, rng: np.random.Generator, ctx: Ctx, m: int) -> pl.DataFrame:
    """Two-digit and prefixed years, derived from the chunk's year (so no key repeats across years)."""
    return put("reporting_year", f"{ctx.year % 100:02d}", f"FY{ctx.year}")(rows, rng, ctx, m)
