"""The dominance rule for magnitude cells (privacy.md guarantee 9): the p% rule with p = 10 and a minimum of
3 contributing providers.

A magnitude cell (hours, interactions, dollars) of total X with per-provider contributions x1 >= x2 >= ... is
sensitive when

* it has 1 or 2 contributing providers (a provider with a non-zero contribution; a cell of 0 is publishable), or
* X - x1 - x2 < (p / 100) * x1: the second-largest contributor, who knows x2 and subtracts it from X, could
  estimate the largest contribution x1 to within p% (sdcTable's and tau-argus's statement of the p% rule).

With n < 3 the p% rule fails anyway (X - x1 - x2 = 0); the minimum is stated on its own because it is what ACCME
staff check by eye. Contributions are per provider, never per activity: 41 activities of one provider are one
contributor.

Protection of a suppressed sensitive cell (used by the linear-program audit, `protection_levels`): the feasible
interval an attacker derives for the cell must reach at least p% of x1 below and above its value. That is the
tau-argus upper/lower protection level p/100 * x1 - (X - x1 - x2) without the subtraction of the remainder, so it
is the stricter of the two: it holds for an outsider as well as for the second-largest contributor.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from anonymize.tables.linear_audit import ALL

P_PERCENT = 10
MIN_CONTRIBUTORS = 3
REASON = "fewer than 3 providers or one provider dominates"


def is_dominated(
    total: float,
    largest: float,
    second: float,
    contributors: int,
    p: float = P_PERCENT,
    min_contributors: int = MIN_CONTRIBUTORS,
) -> bool:
    """The rule for one cell (contributions are non-negative; `contributors` counts the non-zero ones)."""
    if contributors == 0 or total == 0:
        return False
    if contributors < min_contributors:
        return True
    return total - largest - second < p / 100 * largest


def dominated(
    stats: pl.DataFrame, measure: str, p: float = P_PERCENT, min_contributors: int = MIN_CONTRIBUTORS
) -> pl.Series:
    """Vectorized `is_dominated` over the output of `contributions` for one measure (a boolean Series)."""
    total, first, second, n = (pl.col(f"{measure}{s}") for s in ("", "__x1", "__x2", "__n"))
    rule = (n > 0) & (total != 0) & ((n < min_contributors) | ((total - first - second) < p / 100 * first))
    return stats.select(rule.alias(measure))[measure]


def protection_levels(stats: pl.DataFrame, measure: str, sensitive: np.ndarray, p: float = P_PERCENT) -> np.ndarray:
    """Per cell, how far below and above its value a sensitive cell's feasible interval must reach (0 elsewhere).

    p% of the largest contribution, rounded up to a whole unit of the measure (the audit's bounds are integers).
    """
    need = np.array([math.ceil(p / 100 * x - 1e-9) for x in stats[f"{measure}__x1"].to_list()], dtype=np.int64)
    return np.where(np.asarray(sensitive, dtype=bool), np.maximum(need, 1), 0)


def contributions(rows: pl.DataFrame, dimensions: list[str], measures: list[str], unit: str) -> pl.DataFrame:
    """Per cell of the table with margins (`All`, as `with_margins` makes it): each measure's total and, per
    contributing `unit`, the largest and second-largest contribution and the number of non-zero contributors.

    `rows` holds one or more rows per unit and cell (any level of detail: activities, provider-years); measures must
    be non-negative. Columns: the dimensions (as text), `<m>`, `<m>__x1`, `<m>__x2`, `<m>__n` for each measure.
    """
    base = rows.select(
        [pl.col(d).cast(pl.Utf8) for d in dimensions]
        + [pl.col(unit)]
        + [pl.col(m).cast(pl.Float64).fill_null(0) for m in measures]
    )
    if (
        base.select(pl.min_horizontal([pl.col(m).min() for m in measures])).item() is not None
        and base.select(pl.min_horizontal([pl.col(m).min() for m in measures])).item() < 0
    ):
        raise ValueError("the dominance rule needs non-negative contributions")
    parts = []
    for code in range(2 ** len(dimensions)):
        summed = [d for i, d in enumerate(dimensions) if code >> i & 1]
        kept = [d for d in dimensions if d not in summed]
        per_unit = base.group_by([*kept, unit]).agg(pl.col(m).sum() for m in measures)
        stats = []
        for m in measures:
            ranked = pl.col(m).filter(pl.col(m) > 0).sort(descending=True)
            stats += [
                pl.col(m).sum().alias(m),
                ranked.first().fill_null(0).alias(f"{m}__x1"),
                ranked.get(1, null_on_oob=True).fill_null(0).alias(f"{m}__x2"),
                (pl.col(m) > 0).sum().cast(pl.Int64).alias(f"{m}__n"),
            ]
        cells = per_unit.group_by(kept).agg(stats) if kept else per_unit.select(stats)
        parts.append(cells.with_columns(pl.lit(ALL).alias(d) for d in summed))
    columns = [*dimensions] + [f"{m}{s}" for m in measures for s in ("", "__x1", "__x2", "__n")]
    return pl.concat([p.select(columns) for p in parts]).sort(dimensions)


def aligned(stats: pl.DataFrame, table: pl.DataFrame, dimensions: list[str]) -> pl.DataFrame:
    """`stats` in the row order of `table` (same dimension values); a cell without contributors gets zeros."""
    keys = table.select(pl.col(d).cast(pl.Utf8) for d in dimensions).with_row_index("_row")
    joined = keys.join(stats, on=dimensions, how="left").sort("_row").drop("_row")
    return joined.with_columns(pl.col(c).fill_null(0) for c in joined.columns if c not in dimensions)
