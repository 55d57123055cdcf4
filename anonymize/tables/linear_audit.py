"""The additive relations of a count table with margins and the linear-program audit of its suppressed cells.

A table holds every cell of a cross-classification, the value `All` marking a margin along a dimension. Along each
dimension d, every cell whose d is `All` equals the sum of the cells that differ from it only in d: one equation
per (dimension, margin cell). An attacker who knows the published cells and these equations can bound each
suppressed cell by two linear programs; that interval, not the cell's absence, is what protects it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

ALL = "All"
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class CellInterval:
    """The feasible interval [lo, hi] of one suppressed cell given the published table and its relations."""

    cell: dict[str, str]
    value: int
    lo: int
    hi: int
    protected: bool

    def to_dict(self) -> dict:
        return {"cell": self.cell, "value": self.value, "lo": self.lo, "hi": self.hi, "protected": self.protected}


def is_protected(lo: int, hi: int, low: int, high: int) -> bool:
    """The rule: a suppressed cell is protected when its feasible interval is not contained in [low, high].

    Equivalently the interval reaches below `low` (so 0 is feasible) or above `high`. An exactly derivable cell
    (lo == hi) is protected only when that value is 0 or above `high`, i.e. when it was publishable anyway.
    """
    return lo < low or hi > high


def relations(table: pl.DataFrame, dimensions: list[str]) -> sp.csr_matrix:
    """The equality matrix A (equations x cells) with A @ values == 0: each margin minus the cells it covers."""
    keyed = (
        table.select(pl.col(d).cast(pl.Utf8) for d in dimensions)
        .with_row_index("cell")
        .with_columns(pl.lit(0).alias("_key"))
    )
    n = table.height
    rows, cols, vals = [], [], []
    for position, dim in enumerate(dimensions):
        others = [d for d in dimensions if d != dim] + ["_key"]
        parents = keyed.filter(pl.col(dim) == ALL).select(others + [pl.col("cell").alias("parent")])
        linked = keyed.filter(pl.col(dim) != ALL).join(parents, on=others, how="left")
        if linked["parent"].null_count():
            raise ValueError(f"table lacks the margin ({dim} = {ALL!r}) of some cells")
        child = linked["cell"].to_numpy().astype(np.int64)
        parent = linked["parent"].to_numpy().astype(np.int64)
        equation = position * n + parent
        unique_parent = np.unique(parent)
        rows += [equation, position * n + unique_parent]
        cols += [child, unique_parent]
        vals += [-np.ones(child.size), np.ones(unique_parent.size)]
    row = np.concatenate(rows) if rows else np.empty(0, np.int64)
    _, row = np.unique(row, return_inverse=True)
    matrix = sp.coo_matrix((np.concatenate(vals), (row, np.concatenate(cols))), shape=(row.max(initial=-1) + 1, n))
    return matrix.tocsr()


def with_margins(cells: pl.DataFrame, dimensions: list[str], measures: list[str]) -> pl.DataFrame:
    """The full table: the interior `cells` plus every margin (each subset of dimensions set to `All`)."""
    parts = []
    for code in range(2 ** len(dimensions)):
        summed = [d for i, d in enumerate(dimensions) if code >> i & 1]
        kept = [d for d in dimensions if d not in summed]
        grouped = (
            cells.group_by(kept).agg(pl.col(m).sum() for m in measures)
            if kept
            else cells.select(pl.col(m).sum() for m in measures)
        )
        parts.append(grouped.with_columns(pl.lit(ALL).alias(d) for d in summed).select(dimensions + measures))
    stringly = [p.with_columns(pl.col(d).cast(pl.Utf8) for d in dimensions) for p in parts]
    return pl.concat(stringly).sort(dimensions)


_BANNER_SHOWN = False


def _new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its first construction in a process prints a banner on fd 1: swallowed)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        model = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                model = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    model.setOptionValue("output_flag", False)
    return model


class Auditor:
    """Solves the audit LPs per connected component of the suppressed cells, caching what it has solved.

    Two suppressed cells interact only through an equation they share, so the LPs of one component involve only
    its cells; a component whose cell set is unchanged has unchanged equations and right-hand sides, so its
    intervals are reused across the rounds of complementary suppression.
    """

    def __init__(
        self,
        table: pl.DataFrame | None,
        dimensions: list[str],
        values: np.ndarray,
        matrix: sp.csr_matrix | None = None,
        constants: np.ndarray | None = None,
    ) -> None:
        """`matrix` replaces the table's own relations (then `table` may be None); `constants` is the right-hand
        side b of `matrix @ x == b` (zeros by default: the margin equations are homogeneous), for systems that add
        equations with known parts (anonymize/release/joint/: cell = rows known to be in it + unknown parts)."""
        self.matrix = relations(table, dimensions) if matrix is None else sp.csr_matrix(matrix)
        self.columns = self.matrix.tocsc()
        self.values = values.astype(np.float64)
        self.constants = (
            np.zeros(self.matrix.shape[0]) if constants is None else np.asarray(constants, dtype=np.float64)
        )
        self.upper = float(values.max(initial=0))  # the grand total bounds every cell
        self._cache: dict[tuple[int, ...], dict[int, list]] = {}
        self._models: dict[tuple[int, ...], highspy.Highs] = {}
        self._seen_mask: np.ndarray | None = None
        self._most = self.values.copy()
        self._least = self.values.copy()

    def witnesses(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per cell, the largest and smallest value some feasible point under `mask` is known to give it.

        Suppressing one more cell only frees a value that was fixed at its true value, so every feasible point under
        a mask stays feasible (that cell at its true value) under any larger mask: the witnesses found in earlier
        rounds of complementary suppression still prove their cells' intervals reach that far, and a cell proven
        protected stays protected without new LPs. When `mask` is not a superset of the mask they were found
        under, they are dropped (the true values are the only witnesses then). The arrays are updated in place.
        """
        mask = np.asarray(mask, dtype=bool)
        if self._seen_mask is None or self._seen_mask.shape != mask.shape or (self._seen_mask & ~mask).any():
            self._most = self.values.copy()
            self._least = self.values.copy()
        self._seen_mask = mask.copy()
        return self._most, self._least

    def components(self, mask: np.ndarray) -> list[np.ndarray]:
        suppressed = np.flatnonzero(mask)
        incidence = abs(self.columns[:, suppressed])
        _, labels = connected_components(incidence.T @ incidence, directed=False)
        order = np.argsort(labels, kind="stable")
        return np.split(suppressed[order], np.flatnonzero(np.diff(labels[order])) + 1) if suppressed.size else []

    def _blocks(self, mask: np.ndarray, todo: np.ndarray | None = None):
        """Per component of the suppressed cells: its cells, equations and right-hand side; only the components
        holding a cell of `todo` (a boolean array over the cells) when given."""
        rhs = self.constants - self.matrix @ np.where(mask, 0.0, self.values)
        for component in self.components(mask):
            if todo is not None and not todo[component].any():
                continue
            block = self.columns[:, component].tocsr()
            equations = np.flatnonzero(np.diff(block.indptr))
            yield component, block[equations].tocsc(), rhs[equations]

    def _solve(self, component, a_eq, b_eq, cell: int, sense: float) -> tuple[int, np.ndarray]:
        """Optimum of sense * x[cell] (+1 max, -1 min) rounded inwards, with the optimal point (a witness).

        One HiGHS model per component is kept and only its objective changes between the cells' LPs, so each
        solve warm-starts from the previous basis (a few simplex iterations instead of a fresh solve).
        """
        if a_eq.shape[0] == 0:  # linked to nothing published: anything in [0, grand total]
            point = np.full(component.size, self.upper if sense > 0 else 0.0)
        else:
            model = self._model(component, a_eq, b_eq)
            costs = np.zeros(component.size)
            costs[np.flatnonzero(component == cell)] = -sense
            model.changeColsCost(component.size, np.arange(component.size, dtype=np.int32), costs)
            model.run()
            if model.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                # large magnitudes (dollars in cents) can trip the warm-started simplex's tolerances: solve once
                # more from scratch with presolve before calling the system inconsistent
                model.clearSolver()
                model.setOptionValue("presolve", "on")
                model.run()
                model.setOptionValue("presolve", "off")
            if model.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                status = model.modelStatusToString(model.getModelStatus())
                raise ValueError(f"audit linear program failed ({status}); are the margins consistent?")
            point = np.asarray(model.getSolution().col_value)
        bound = point[component == cell][0]
        # Counts are integers, so the attacker may round the LP bound inwards; we do too (the safe side).
        return int(np.floor(bound + _TOLERANCE) if sense > 0 else np.ceil(bound - _TOLERANCE)), point

    def _model(self, component, a_eq, b_eq) -> highspy.Highs:
        key = tuple(component.tolist())
        model = self._models.get(key)
        if model is None:
            model = _new_highs()
            model.setOptionValue("presolve", "off")  # presolve would discard the warm basis on every re-solve
            model.setOptionValue("solver", "simplex")
            model.setOptionValue("simplex_strategy", 4)  # primal: a new objective keeps the basis primal feasible
            n = component.size
            model.addVars(n, np.zeros(n), np.full(n, self.upper))
            rows = sp.csr_matrix(a_eq)
            rhs = np.asarray(b_eq, dtype=np.float64)
            model.addRows(
                rows.shape[0],
                rhs,
                rhs,
                rows.nnz,
                rows.indptr[:-1].astype(np.int32),
                rows.indices.astype(np.int32),
                rows.data.astype(np.float64),
            )
            self._models[key] = model
        return model

    def intervals(self, mask: np.ndarray, cells: np.ndarray) -> dict[int, tuple[int, int]]:
        """Exact [lo, hi] (integers) of each cell in `cells` (all suppressed): two LPs per cell."""
        wanted = set(cells.tolist())
        found: dict[int, tuple[int, int]] = {}
        for component, a_eq, b_eq in self._blocks(mask):
            solved = self._cache.setdefault(tuple(component.tolist()), {})
            for cell in (c for c in component.tolist() if c in wanted):
                if cell not in solved:
                    hi = self._solve(component, a_eq, b_eq, cell, 1.0)[0]
                    solved[cell] = (self._solve(component, a_eq, b_eq, cell, -1.0)[0], hi)
                found[cell] = solved[cell]
        return found

    def exposed(self, mask: np.ndarray, cells: np.ndarray, low: int, high: int) -> list[int]:
        """The cells of `cells` whose interval lies inside [low, high]. Every LP optimum is a feasible point, so
        any cell it puts above `high` or below `low` is proven protected without an LP of its own."""
        wanted = np.zeros(mask.size, dtype=bool)
        wanted[cells] = True
        result = []
        most, least = self.witnesses(mask)  # the true values are feasible too, and earlier rounds' optima
        todo = wanted & (most < high + 1 - _TOLERANCE) & (least > low - 1 + _TOLERANCE)
        for component, a_eq, b_eq in self._blocks(mask, todo):
            for cell in component[wanted[component]].tolist():
                if most[cell] >= high + 1 - _TOLERANCE or least[cell] <= low - 1 + _TOLERANCE:
                    continue
                hi, point = self._solve(component, a_eq, b_eq, cell, 1.0)
                _widen(most, least, component, point)
                if hi > high:
                    continue
                lo, point = self._solve(component, a_eq, b_eq, cell, -1.0)
                _widen(most, least, component, point)
                if lo >= low:
                    result.append(cell)
        return result


def _widen(most: np.ndarray, least: np.ndarray, component: np.ndarray, point: np.ndarray) -> None:
    """Record a feasible point of one component's cells (the other cells at their true values stay feasible)."""
    most[component] = np.maximum(most[component], point)
    least[component] = np.minimum(least[component], point)


def cell_labels(table: pl.DataFrame, dimensions: list[str], cells: np.ndarray) -> list[dict[str, str]]:
    picked = table.select(pl.col(d).cast(pl.Utf8) for d in dimensions)[cells.tolist()]
    return picked.to_dicts()


def audit(
    table: pl.DataFrame, dimensions: list[str], measure: str, suppressed_mask, low: int = 1, high: int = 10
) -> list[CellInterval]:
    """Feasible interval of every suppressed cell under all additive relations, and whether it is protected."""
    mask = np.asarray(suppressed_mask, dtype=bool)
    values = table[measure].to_numpy().astype(np.int64)
    return audit_with(Auditor(table, dimensions, values), table, dimensions, mask, low, high)


def audit_with(
    auditor: Auditor, table: pl.DataFrame, dimensions: list[str], mask: np.ndarray, low: int, high: int
) -> list[CellInterval]:
    return _audited(
        auditor,
        table,
        dimensions,
        mask,
        np.flatnonzero(mask),
        lambda cell, lo, hi, value: is_protected(lo, hi, low, high),
    )


def _audited(
    auditor: Auditor, table: pl.DataFrame, dimensions: list[str], mask: np.ndarray, cells: np.ndarray, protected
) -> list[CellInterval]:
    """The feasible interval of each of `cells` (suppressed under `mask`), judged by protected(cell, lo, hi, value)."""
    found = auditor.intervals(mask, cells)
    labels = cell_labels(table, dimensions, cells)
    result = []
    for cell, label in zip(cells.tolist(), labels, strict=True):
        lo, hi = found[cell]
        value = int(auditor.values[cell])
        result.append(CellInterval(label, value, lo, hi, protected(cell, lo, hi, value)))
    return result


# --- protection levels (the dominance rule's audit; anonymize/tables/dominance.py) ---------------------------------


def reaches(lo: int, hi: int, value: int, need: int) -> bool:
    """A sensitive magnitude cell is protected when its feasible interval reaches `need` below and above its value."""
    return lo <= value - need and hi >= value + need


def short_of(auditor: Auditor, mask: np.ndarray, need: np.ndarray) -> list[int]:
    """The suppressed cells with need > 0 whose feasible interval does not reach `need` on both sides.

    As in `Auditor.exposed`, every LP optimum is a feasible point, so a cell that some optimum (or the true table)
    already puts far enough below and above its value needs no LP of its own.
    """
    result = []
    value = auditor.values
    most, least = auditor.witnesses(mask)  # feasible points of this and earlier (smaller) masks
    todo = (need > 0) & ~((most >= value + need - _TOLERANCE) & (least <= value - need + _TOLERANCE))
    for component, a_eq, b_eq in auditor._blocks(mask, todo):
        solved = auditor._cache.setdefault(tuple(component.tolist()), {})  # reused by a later `intervals`
        for cell in component[need[component] > 0].tolist():
            wanted = float(need[cell])
            if most[cell] >= value[cell] + wanted - _TOLERANCE and least[cell] <= value[cell] - wanted + _TOLERANCE:
                continue
            hi, point = auditor._solve(component, a_eq, b_eq, cell, 1.0)
            _widen(most, least, component, point)
            lo, point = auditor._solve(component, a_eq, b_eq, cell, -1.0)
            _widen(most, least, component, point)
            solved[cell] = (lo, hi)
            if not reaches(lo, hi, int(value[cell]), int(wanted)):
                result.append(cell)
    return result


def audit_protection(
    auditor: Auditor, table: pl.DataFrame, dimensions: list[str], mask: np.ndarray, need: np.ndarray
) -> list[CellInterval]:
    """Feasible interval of every suppressed cell with need > 0, protected when it reaches `need` on both sides."""
    return _audited(
        auditor,
        table,
        dimensions,
        mask,
        np.flatnonzero(mask & (need > 0)),
        lambda cell, lo, hi, value: reaches(lo, hi, value, int(need[cell])),
    )
