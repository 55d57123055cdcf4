"""Primary and complementary cell suppression of a public count table, closed by the linear-program audit.

Primary: every cell whose disclosure count is in [low, high] (0 is publishable). Complementary: while the audit
finds a primary cell whose feasible interval lies inside [low, high], suppress for it one more cell chosen by the
heuristic in `_complement`. Only primary cells can ever be exposed: the true value is always feasible, so a cell
that is 0 or above `high` always has an interval reaching outside [low, high]. Full suppression is always
protected (all zeros is then feasible), so the loop ends; the final audit is still run and any exposure raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from anonymize.tables.linear_audit import ALL, Auditor, CellInterval, audit_protection, audit_with, relations, short_of


class TableExposedError(ValueError):
    """The audit still finds suppressed cells derivable into [low, high]; the message names them."""


@dataclass
class SuppressionResult:
    """The published table (suppressed cells null in every measure column), its mask and the audit."""

    published: pl.DataFrame
    mask: np.ndarray
    primary: int
    secondary: int
    intervals: list[CellInterval] = field(default_factory=list)
    measure: str = ""
    low: int = 1
    high: int = 10
    audits: dict[str, list[CellInterval]] = field(default_factory=dict)
    dominance_primary: int = 0  # primary cells by the dominance rule alone (not also by [low, high])

    def report(self) -> dict:
        """JSON-serializable summary for the release's risk report."""
        return {
            "disclosure_measure": self.measure,
            "rule": f"no published cell in [{self.low}, {self.high}]; every suppressed cell's feasible interval "
            f"(LP over all additive relations) is not contained in [{self.low}, {self.high}]",
            "cells": int(self.mask.size),
            "primary_suppressed": self.primary,
            "secondary_suppressed": self.secondary,
            "dominance_primary_suppressed": self.dominance_primary,
            "all_protected": all(i.protected for i in self.intervals),
            "intervals": [i.to_dict() for i in self.intervals],
            "audited_measures": {
                m: {"cells_audited": len(found), "exposed": sum(not i.protected for i in found)}
                for m, found in (self.audits or {self.measure: self.intervals}).items()
            },
        }


def suppress(
    table: pl.DataFrame,
    dimensions: list[str],
    measure: str | list[str],
    low: int = 1,
    high: int = 10,
    protection: dict[str, np.ndarray] | None = None,
    final_audit: bool = True,
) -> SuppressionResult:
    """Suppress `table` so that no cell of `measure` in [low, high] is published or derivable.

    The mask is decided on `measure`, the count that defines disclosure (or on several counts: a cell is primary
    when any of them is in [low, high], and each is audited), and applied to every other (measure) column too:
    hours or interactions of a cell would otherwise reveal that its activities are few.

    `protection` (optional) adds the dominance rule's primary cells (anonymize/tables/dominance.py): per magnitude
    column (whole units: hours as tenths), how far below and above its value each sensitive cell's feasible
    interval must reach (0 = not sensitive). Those cells are suppressed in every measure too, and complementary
    suppression continues until each one's interval reaches that far on both sides.

    `final_audit=False` skips the closing interval of every suppressed cell (the report's `intervals`): the loop
    only ends when every primary cell is proven protected (an LP bound or a feasible point beyond the limit), so
    the closing audit re-proves it; callers that publish no intervals (the Data Report) save that time.
    """
    measures = [measure] if isinstance(measure, str) else list(measure)
    protection = {m: np.asarray(n, dtype=np.int64) for m, n in (protection or {}).items()}
    values = {m: _counts(table, m) for m in dict.fromkeys([*measures, *protection])}
    matrix = relations(table, dimensions)
    auditors = {m: Auditor(table, dimensions, values[m], matrix) for m in values}
    coarseness = np.sum([(table[d].cast(pl.Utf8) == ALL).to_numpy() for d in dimensions], axis=0)
    primaries = {m: (values[m] >= low) & (values[m] <= high) for m in measures}
    primary = np.logical_or.reduce(
        [np.zeros(table.height, dtype=bool), *primaries.values(), *(n > 0 for n in protection.values())]
    )
    mask = primary.copy()
    while True:
        exposed = [
            (m, cell, 0)
            for m in measures
            for cell in auditors[m].exposed(mask, np.flatnonzero(primaries[m]), low, high)
        ]
        exposed += [
            (m, cell, int(need[cell])) for m, need in protection.items() for cell in short_of(auditors[m], mask, need)
        ]
        left = len(exposed)
        if not exposed:
            break
        added = {_complement(auditors[m], mask, values[m], coarseness, cell, need) for m, cell, need in exposed} - {
            None
        }
        if not added:
            break  # nothing left to suppress; the final audit below raises
        mask[sorted(added)] = True
    if not final_audit:
        if left:  # the loop ran out of cells to suppress
            raise TableExposedError(f"{left} suppressed cells still derivable too closely")
        audits = {}
    else:
        audits = {m: audit_with(auditors[m], table, dimensions, mask, low, high) for m in measures}
        audits.update(
            {
                f"{m} (p% rule)": audit_protection(auditors[m], table, dimensions, mask, need)
                for m, need in protection.items()
            }
        )
    exposed_cells = {m: [i.cell for i in found if not i.protected] for m, found in audits.items()}
    exposed_cells = {m: cells for m, cells in exposed_cells.items() if cells}
    if exposed_cells:
        raise TableExposedError(
            f"cells still derivable into [{low}, {high}] or too narrowly (p% rule): {exposed_cells}"
        )
    return SuppressionResult(
        published=_publish(table, dimensions, mask),
        mask=mask,
        primary=int(primary.sum()),
        secondary=int(mask.sum() - primary.sum()),
        intervals=next(iter(audits.values()), []),
        measure=next(iter(audits), ""),
        low=low,
        high=high,
        audits=audits,
        dominance_primary=int(
            (primary & ~np.logical_or.reduce([np.zeros(table.height, dtype=bool), *primaries.values()])).sum()
        ),
    )


def _counts(table: pl.DataFrame, measure: str) -> np.ndarray:
    column = table[measure]
    if column.null_count() or not column.dtype.is_integer() or (column < 0).any():
        raise ValueError(f"{measure!r} must be non-negative integer counts without nulls")
    return column.to_numpy().astype(np.int64)


def _complement(auditor: Auditor, mask, values, coarseness, cell: int, need: int = 0) -> int | None:
    """The heuristic: one more cell to suppress for an exposed cell, or None if every cell is suppressed.

    Walk outwards from the exposed cell through its equations (level 1: cells sharing an equation with it; level
    k+1: cells sharing one with a suppressed cell of level k). At the first level holding a published candidate no
    coarser than the exposed cell (no more `All`s), take the best one; best = non-zero first, then fewest `All`s
    (interior cells before subtotals and margins), then smallest value (least information lost). If no level has
    one, take the best published cell reached, then the best published cell of the whole table. For a dominance
    cell (`need` > 0), among equally coarse candidates one at least `need` large comes first (a smaller one cannot
    widen the interval enough), but never a coarser one: margins are what readers use most.
    """
    reached = np.zeros(mask.size, dtype=bool)
    frontier = np.array([cell])
    reached[cell] = True
    while frontier.size:
        equations = np.unique(_gather(auditor.columns, frontier))
        linked = np.unique(_gather(auditor.matrix, equations))
        linked = linked[~reached[linked]]
        reached[linked] = True
        candidates = linked[~mask[linked]]
        if candidates.size:
            best = _best(candidates, values, coarseness, need)
            if coarseness[best] <= coarseness[cell]:
                return best
        frontier = linked[mask[linked]]
    for pool in (np.flatnonzero(reached & ~mask), np.flatnonzero(~mask)):
        if pool.size:
            return _best(pool, values, coarseness, need)
    return None


def _gather(matrix, picks: np.ndarray) -> np.ndarray:
    """The stored indices of the major rows/columns `picks` of a CSR/CSC matrix (what `matrix[picks].indices`
    holds, without building the slice: this runs once per level of every complement's walk)."""
    starts, ends = matrix.indptr[picks], matrix.indptr[picks + 1]
    lengths = ends - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return matrix.indices[offsets + np.arange(lengths.sum())]


def _best(candidates: np.ndarray, values: np.ndarray, coarseness: np.ndarray, need: int = 0) -> int:
    order = np.lexsort((values[candidates], values[candidates] < need, coarseness[candidates], values[candidates] == 0))
    return int(candidates[order[0]])


def _publish(table: pl.DataFrame, dimensions: list[str], mask: np.ndarray) -> pl.DataFrame:
    measures = [c for c in table.columns if c not in dimensions]
    flagged = table.with_columns(pl.Series("_suppressed", mask))
    hidden = [pl.when(pl.col("_suppressed")).then(None).otherwise(pl.col(m)).alias(m) for m in measures]
    return flagged.with_columns(hidden).drop("_suppressed")


if __name__ == "__main__":  # timing of a 13 activity types x 8 organization types x 20 years table with margins
    import time

    from anonymize.tables.linear_audit import with_margins

    rng = np.random.default_rng(7)
    grid = pl.DataFrame(
        [(f"type{t}", f"org{o}", str(2005 + y)) for t in range(13) for o in range(8) for y in range(20)],
        schema=["type", "org", "year"],
        orient="row",
    )
    counts = rng.poisson(rng.choice([3.0, 15.0, 60.0, 400.0], grid.height, p=[0.25, 0.25, 0.25, 0.25]))
    full = with_margins(grid.with_columns(activities=pl.Series(counts)), ["type", "org", "year"], ["activities"])
    start = time.perf_counter()
    result = suppress(full, ["type", "org", "year"], "activities")
    print(
        f"{full.height} cells: {result.primary} primary, {result.secondary} secondary, "
        f"{time.perf_counter() - start:.1f} s"
    )
