"""Shared helpers: seeded streams, vectorized calendar arithmetic, sampling and text formatting.

Dates are numpy `datetime64[D]` arrays throughout (why: vectorized, and polars takes them as Date
without a copy through Python objects).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

import numpy as np
import polars as pl


def part_rng(seed: int, year: int, part: str) -> np.random.Generator:
    """An independent stream per (seed, year, part): adding a part never shifts another's numbers."""
    return np.random.default_rng([seed, year, zlib.crc32(part.encode())])


# --- calendar --------------------------------------------------------------------------------------


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of a datetime64[D] array."""
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return years, month, day


def from_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Dates from parts; a day past the month's end is clamped (29 Feb + 1 year -> 28 Feb)."""
    months = ((np.asarray(year) - 1970) * 12 + np.asarray(month) - 1).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    return first + (np.minimum(np.asarray(day), length) - 1).astype("timedelta64[D]")


def add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    y, m, d = ymd(days)
    total = (y * 12 + m - 1) + np.asarray(months)
    return from_ymd(total // 12, total % 12 + 1, d)


def add_years(days: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    return add_months(days, np.asarray(years) * 12)


def year_start(year: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-01-01")


def year_end(year: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-12-31")


#: Deadlines that ACCME moved (pars-domain §4): RY2019 was extended to 30 Apr 2020 (COVID), RY2023
#: was due 1 Apr 2024.
_DEADLINE_OVERRIDES = {2019: dt.date(2020, 4, 30), 2023: dt.date(2024, 4, 1)}


def reporting_deadline(year: int) -> dt.date:
    """The last business day of March after the reporting year (spec §4), with known exceptions."""
    if year in _DEADLINE_OVERRIDES:
        return _DEADLINE_OVERRIDES[year]
    day = dt.date(year + 1, 3, 31)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def to_day(value: dt.date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


#: ACCME's board decides three times a year (March, July, November/December; pars-domain §4).
MEETING_MONTHS = (3, 7, 11)


def _meetings_around(days: np.ndarray) -> np.ndarray:
    """For each date, the 9 meeting dates of its year and the two neighbours (third Friday)."""
    y, _, _ = ymd(days)
    cols = []
    for dy in (-1, 0, 1):
        for month in MEETING_MONTHS:
            first = from_ymd(y + dy, np.full_like(y, month), np.ones_like(y))
            cols.append(np.busday_offset(first, 2, roll="forward", weekmask="Fri"))
    return np.stack(cols, axis=1)


def meeting_on_or_after(days: np.ndarray) -> np.ndarray:
    cand = _meetings_around(days)
    far = np.datetime64("2999-12-31")
    return np.where(cand >= days[:, None], cand, far).min(axis=1)


def meeting_on_or_before(days: np.ndarray) -> np.ndarray:
    cand = _meetings_around(days)
    early = np.datetime64("1900-01-01")
    return np.where(cand <= days[:, None], cand, early).max(axis=1)


# --- sampling --------------------------------------------------------------------------------------


def quota(n: int, shares: Sequence[float]) -> np.ndarray:
    """Split n into integer counts by shares (largest remainder): exact shares even for small n."""
    raw = np.asarray(shares, dtype=float) * n / float(np.sum(shares))
    counts = np.floor(raw).astype(np.int64)
    rest = n - counts.sum()
    if rest > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts


def lognormal_mean(rng: np.random.Generator, mean: np.ndarray, sigma: float) -> np.ndarray:
    """Lognormal draws with the given means (why: calibration targets are means)."""
    mean = np.asarray(mean, dtype=float)
    return np.exp(np.log(np.maximum(mean, 1e-9)) - sigma * sigma / 2 + sigma * rng.standard_normal(mean.shape))


def choice_index(rng: np.random.Generator, probs: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


#: Rows per block in `sample_masks` / `sample_items`: their (rows x items) matrices stay small at any scale
#: (at 10x, 2.3 million activities x 9 items were five 170 MB matrices at once). The Gumbel keys are drawn
#: block after block from the same generator, so the draws, and the result, are the same as in one block.
SAMPLE_BLOCK = 100_000


def sample_masks(rng: np.random.Generator, weights: Sequence[float], k: np.ndarray) -> np.ndarray:
    """For each row, a bitmask of k[i] distinct items drawn by weight (Gumbel top-k, vectorized by block)."""
    k = np.asarray(k)
    n, m = len(k), len(weights)
    logw = np.log(np.asarray(weights, dtype=float))[None, :]
    out = np.empty(n, np.int64)
    for lo in range(0, n, SAMPLE_BLOCK):
        kb = k[lo : lo + SAMPLE_BLOCK]
        b = len(kb)
        keys = logw + rng.gumbel(size=(b, m))
        order = np.argsort(-keys, axis=1)
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(m)[None, :].repeat(b, axis=0), axis=1)
        chosen = ranks < np.minimum(kb, m)[:, None]
        out[lo : lo + b] = (chosen * (1 << np.arange(m, dtype=np.int64))[None, :]).sum(axis=1)
    return out


def sample_items(rng: np.random.Generator, weights: Sequence[float], k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, item) pairs: k[i] distinct items per row drawn by weight (for lists too wide for a mask)."""
    k = np.asarray(k)
    n, m = len(k), len(weights)
    logw = np.log(np.asarray(weights, dtype=float))[None, :]
    all_rows, all_items = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for lo in range(0, n, SAMPLE_BLOCK):
        kb = k[lo : lo + SAMPLE_BLOCK]
        keys = logw + rng.gumbel(size=(len(kb), m))
        order = np.argsort(-keys, axis=1)
        rows, cols = np.nonzero(np.arange(m)[None, :] < np.minimum(kb, m)[:, None])
        all_rows.append(rows + lo)
        all_items.append(order[rows, cols])
    return np.concatenate(all_rows), np.concatenate(all_items)


def masks_to_lists(masks: np.ndarray, items: Sequence[str]) -> pl.Series:
    """`;`-joined item lists (in item order) for bitmasks; mask 0 becomes NULL (empty list)."""
    uniq, inverse = np.unique(masks, return_inverse=True)
    text = [";".join(items[i] for i in range(len(items)) if (int(u) >> i) & 1) or None for u in uniq]
    return pl.Series(text, dtype=pl.String).gather(inverse)


def digits(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    """n distinct zero-padded random digit strings (why: ids are text; leading zeros must survive)."""
    values = rng.choice(10**width, size=n, replace=False)
    return pl.Series(values, dtype=pl.Int64).cast(pl.String).str.zfill(width)


# --- text formatting ---------------------------------------------------------------------------------


def hundredths_text(col: str) -> pl.Expr:
    """An Int64 column of hundredths as `123.45` (why: floats could print as 1e+21 or 0.300...04)."""
    c = pl.col(col)
    return (
        pl.when(c.is_null())
        .then(None)
        .otherwise((c // 100).cast(pl.String) + "." + (c % 100).cast(pl.String).str.zfill(2))
    )


def bool_text(col: str) -> pl.Expr:
    return pl.when(pl.col(col)).then(pl.lit("Yes")).otherwise(pl.lit("No"))


def to_hundredths(values: np.ndarray, step: int = 1) -> np.ndarray:
    """Round amounts to hundredths, on a grid of `step` hundredths (25 = quarter hours)."""
    return (np.rint(np.asarray(values) * 100 / step) * step).astype(np.int64)
