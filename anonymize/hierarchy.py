"""Generalization hierarchies: ARX-layout files and builders for intervals, dates and masked codes.

A hierarchy is stored as integer level maps (leaf code -> code at level l) so that generalizing a
column is a numpy gather, never a string operation; labels are only looked up when writing output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

TOP = "*"


class HierarchyError(ValueError):
    """A hierarchy file or builder is malformed, or the data has a value it does not cover."""


@dataclass(frozen=True)
class Hierarchy:
    """One attribute's generalization tree: level 0 are the leaves, the last level is the root."""

    attribute: str
    source: str
    labels: list[list[str]]
    maps: list[np.ndarray]
    _up: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def height(self) -> int:
        """Number of levels, leaves and root included (ARX's height)."""
        return len(self.labels)

    @property
    def leaves(self) -> list[str]:
        return self.labels[0]

    def size(self, level: int) -> int:
        return len(self.labels[level])

    def up(self, source: int, target: int) -> np.ndarray:
        """Codes at `source` -> codes at `target` (target >= source); cached, it is used per node."""
        key = (source, target)
        if key not in self._up:
            table = np.zeros(self.size(source), dtype=np.int64)
            table[self.maps[source]] = self.maps[target]
            self._up[key] = table
        return self._up[key]

    def leaf_counts(self, level: int) -> np.ndarray:
        """How many leaves each code of `level` covers: the numerator of ARX's domain share."""
        return np.bincount(self.maps[level], minlength=self.size(level))

    def encode(self, column: pl.Series) -> np.ndarray:
        """Leaf code of every value; a value missing from the hierarchy is an error naming it."""
        values = column.cast(pl.Utf8)
        if values.null_count():
            raise HierarchyError(
                f"quasi-identifier {self.attribute!r}: {values.null_count()} empty (null) values; "
                f"fill them or add a value for them to {self.source}"
            )
        codes = values.replace_strict(self.leaves, list(range(len(self.leaves))), default=None, return_dtype=pl.Int64)
        if codes.null_count():
            missing = values.filter(codes.is_null()).unique().sort().head(5).to_list()
            raise HierarchyError(
                f"quasi-identifier {self.attribute!r}: value(s) {', '.join(map(repr, missing))} "
                f"not in hierarchy {self.source}"
            )
        return codes.to_numpy()


def from_levels(attribute: str, source: str, rows: list[list[str]]) -> Hierarchy:
    """Build from rows `[leaf, level1, ..., root]`, checking that it is a tree with one root."""
    if not rows:
        raise HierarchyError(f"{source}: hierarchy for {attribute!r} is empty")
    width = len(rows[0])
    bad = next((i for i, row in enumerate(rows) if len(row) != width), None)
    if bad is not None:
        raise HierarchyError(f"{source}: row {bad + 1} has {len(rows[bad])} columns, the first row has {width}")
    leaves = [row[0] for row in rows]
    if len(set(leaves)) != len(leaves):
        dup = sorted({v for v in leaves if leaves.count(v) > 1})[:5]
        raise HierarchyError(f"{source}: value(s) {dup} appear more than once")
    if width == 1 or len({row[-1] for row in rows}) != 1:
        raise HierarchyError(f"{source}: the last column must be a single root value such as {TOP!r}")
    labels: list[list[str]] = []
    maps: list[np.ndarray] = []
    for level in range(width):
        index: dict[str, int] = {}
        maps.append(np.array([index.setdefault(row[level], len(index)) for row in rows], dtype=np.int64))
        labels.append(list(index))
    for level in range(width - 1):
        pairs = np.unique(np.stack([maps[level], maps[level + 1]]), axis=1)
        if pairs.shape[1] != len(labels[level]):
            child = np.bincount(pairs[0]).argmax()
            raise HierarchyError(
                f"{source}: value {labels[level][child]!r} at level {level} generalizes to more than one "
                f"value at level {level + 1}; a hierarchy must be a tree"
            )
    return Hierarchy(attribute, source, labels, maps)


def from_file(attribute: str, path: Path) -> Hierarchy:
    """ARX layout: one row per leaf, `;`-separated (`,` accepted), the leaf then one column per level."""
    if not path.is_file():
        raise HierarchyError(f"hierarchy file for {attribute!r} not found: {path}")
    lines = [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line.strip()]
    separator = ";" if lines and ";" in lines[0] else ","
    return from_levels(attribute, str(path), [line.split(separator) for line in lines])


def _distinct(column: pl.Series) -> list[str]:
    if column.null_count():
        raise HierarchyError(f"quasi-identifier {column.name!r}: {column.null_count()} empty (null) values")
    return column.cast(pl.Utf8).unique().sort().to_list()


def intervals(column: pl.Series, widths: list[float], start: float = 0) -> Hierarchy:
    """Numeric intervals of growing width (each a multiple of the previous, so they nest), then `*`."""
    source = f"intervals {widths} (column {column.name!r})"
    values = _distinct(column)
    numbers = pl.Series(values).cast(pl.Float64, strict=False)
    if numbers.null_count():
        bad = [v for v, x in zip(values, numbers.to_list(), strict=True) if x is None][:5]
        raise HierarchyError(f"quasi-identifier {column.name!r}: {bad} are not numbers ({source})")
    for a, b in zip(widths, widths[1:], strict=False):
        if b <= a or not math.isclose(b / a, round(b / a)):
            raise HierarchyError(f"{source}: each width must be a larger multiple of the previous one")
    integral = all(float(x).is_integer() for x in numbers.to_list()) and all(float(w).is_integer() for w in widths)
    rows = []
    for value, x in zip(values, numbers.to_list(), strict=True):
        row = [value]
        for width in widths:
            low = start + math.floor((x - start) / width) * width
            if integral:
                row.append(f"{int(low)}-{int(low + width - 1)}")
            else:
                row.append(f"[{low:g}, {low + width:g})")
        rows.append([*row, TOP])
    return from_levels(str(column.name), source, rows)


DATE_LEVELS = ("month", "quarter", "year")


def dates(column: pl.Series, levels: list[str] | None = None, fmt: str | None = None) -> Hierarchy:
    """Date -> month -> quarter -> year -> `*` (any subset of those, in that order)."""
    levels = list(levels or DATE_LEVELS)
    source = f"dates {levels} (column {column.name!r})"
    if [lv for lv in DATE_LEVELS if lv in levels] != levels:
        raise HierarchyError(f"{source}: levels must be drawn from {list(DATE_LEVELS)} in that order")
    values = _distinct(column)
    parsed = pl.Series(values).str.to_date(format=fmt, strict=False)
    if parsed.null_count():
        bad = [v for v, d in zip(values, parsed.to_list(), strict=True) if d is None][:5]
        raise HierarchyError(f"quasi-identifier {column.name!r}: {bad} are not dates ({source})")
    rows = []
    for value, day in zip(values, parsed.to_list(), strict=True):
        label = {
            "month": f"{day.year}-{day.month:02d}",
            "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
            "year": f"{day.year}",
        }
        rows.append([value, *(label[lv] for lv in levels), TOP])
    return from_levels(str(column.name), source, rows)


def mask(column: pl.Series, drops: list[int]) -> Hierarchy:
    """Codes such as ZIPs: level i replaces the last `drops[i]` characters by `*`, then `*`."""
    source = f"mask {drops} (column {column.name!r})"
    if any(b <= a for a, b in zip(drops, drops[1:], strict=False)) or drops[0] < 1:
        raise HierarchyError(f"{source}: the characters dropped per level must be positive and increasing")
    rows = []
    for value in _distinct(column):
        row = [value]
        for drop in drops:
            keep = max(len(value) - drop, 0)
            row.append(value[:keep] + "*" * (len(value) - keep))
        rows.append([*row, TOP])
    return from_levels(str(column.name), source, rows)
