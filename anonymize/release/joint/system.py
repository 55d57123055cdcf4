"""The joint audit's linear system: one set of unknowns and equations over every tables release's cells and every
activities release's rows, and the LP intervals of the suppressed cells (linear_audit.Auditor)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

from anonymize.tables.linear_audit import ALL, Auditor, is_protected, relations

from .reading import (
    BY_STATE,
    HIGH,
    LOW,
    MEASURES,
    TYPE_ORG,
    UNION,
    RowsSource,
    TablesSource,
    _printable,
    activity_format_groups,
    organization_groups,
)


@dataclass
class Exposure:
    release: str
    table: str
    cell: dict[str, str]
    measure: str
    lo: int
    hi: int

    def key(self) -> tuple:
        return self.release, self.table, tuple(sorted(self.cell.items())), self.measure

    def text(self) -> str:
        cell = ", ".join(f"{k}={_printable(v)}" for k, v in self.cell.items())
        return f"{self.table} ({cell}) {self.measure} in [{self.lo}, {self.hi}]"


@dataclass
class JointResult:
    """What the combined releases let an attacker derive about each suppressed cell."""

    intervals: list[dict] = field(default_factory=list)
    exposed: list[Exposure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variables: int = 0
    equations: int = 0
    suppressed: int = 0
    seconds: float = 0.0


class JointAuditError(ValueError):
    """The releases cannot be audited together (their linear system is infeasible)."""


class _System:
    """Unknowns and equations shared by every measure: A @ x == b(measure), x >= 0, published x known."""

    def __init__(self) -> None:
        self.keys: dict[tuple, int] = {}
        self.known: list[bool] = []
        self.values: dict[str, list[int]] = {m: [] for m in MEASURES}
        self.cell: list[tuple | None] = []  # the union key of a table cell (None for an unknown part u)
        self.owners: dict[int, list[str]] = defaultdict(list)  # suppressed cell -> the releases that hid it
        self.blocks: list[sp.coo_matrix] = []
        self.constants: dict[str, list[np.ndarray]] = {m: [] for m in MEASURES}
        self.rows = 0

    def variable(self, key: tuple, cell: tuple | None = None) -> int:
        index = self.keys.get(key)
        if index is None:
            index = self.keys[key] = len(self.known)
            self.known.append(False)
            for m in MEASURES:
                self.values[m].append(0)
            self.cell.append(cell)
        return index

    def equations(self, matrix: sp.spmatrix, columns: np.ndarray, constants: dict[str, np.ndarray]) -> None:
        coo = sp.coo_matrix(matrix)
        self.blocks.append(sp.coo_matrix((coo.data, (coo.row + self.rows, columns[coo.col]))))
        for m in MEASURES:
            self.constants[m].append(np.asarray(constants[m], dtype=np.float64))
        self.rows += coo.shape[0]

    def matrix(self) -> sp.csr_matrix:
        n = len(self.known)
        rows = np.concatenate([b.row for b in self.blocks]) if self.blocks else np.empty(0, np.int64)
        cols = np.concatenate([b.col for b in self.blocks]) if self.blocks else np.empty(0, np.int64)
        data = np.concatenate([b.data for b in self.blocks]) if self.blocks else np.empty(0)
        return sp.coo_matrix((data, (rows, cols)), shape=(self.rows, n)).tocsr()


def _year_key(year: str, release: int) -> str:
    """A concrete year is shared by every release; `All` (a sum over the release's own years) is not."""
    return year if year != ALL else f"{ALL}#{release}"


def _add_tables(system: _System, index: int, source: TablesSource, notes: list[str]) -> bool:
    stacked = source.stacked
    keys = [(*row[:3], _year_key(row[3], index)) for row in stacked.select(UNION).iter_rows()]
    measures = {m: stacked[m].to_list() for m in MEASURES}
    published = [all(measures[m][i] is not None for m in MEASURES) for i in range(stacked.height)]
    for i, key in enumerate(keys):  # numbers published twice must agree, or the releases are of other data
        at = system.keys.get(key)
        if (
            at is not None
            and published[i]
            and system.known[at]
            and any(system.values[m][at] != measures[m][i] for m in MEASURES)
        ):
            notes.append(
                f"{source.label} publishes other numbers for cells the other releases also publish (made "
                f"from other data): not combined"
            )
            return False
    columns = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        at = columns[i] = system.variable(key, key)
        if published[i]:
            system.known[at] = True
            for m in MEASURES:
                system.values[m][at] = int(measures[m][i])
        else:
            system.owners[at].append(source.label)
    matrix = relations(stacked, UNION)
    system.equations(matrix, columns, {m: np.zeros(matrix.shape[0]) for m in MEASURES})
    return True


def _add_rows(
    system: _System, index: int, source: RowsSource, groups: dict[str, frozenset[str]], notes: list[str]
) -> None:
    """Per year: every interior cell = rows known to be in it + unknown parts of the rows that may be in it.

    A row's cell is (activity_type, organization_type). A raw value is one key; a generalized value or `*` (or a
    value the hierarchies do not know) is every key it can stand for; an activity type that is not raw is further
    narrowed by the row's activity_format_group when the release shows it (seeds/activity_types.csv).
    """
    sums = source.rows.group_by("report_year", "activity_type", "activity_format_group", "organization_type").agg(
        pl.len().cast(pl.Int64).alias("activities"),
        pl.col("physician_interactions").sum().alias("physician_interactions"),
        pl.col("other_learner_interactions").sum().alias("other_learner_interactions"),
    )
    formats = activity_format_groups()
    for year in sorted(sums["report_year"].unique().to_list()):
        part = sums.filter(pl.col("report_year") == year)
        national = system.keys.get((ALL, ALL, ALL, year))
        if national is None:
            continue  # no tables release covers this year
        totals = {m: int(part[m].sum()) for m in MEASURES}
        if not system.known[national] or any(system.values[m][national] != totals[m] for m in MEASURES):
            notes.append(
                f"{source.label}: its {year} rows do not add up to the tables' national {year} total "
                f"(made from other data): {year} not combined"
            )
            continue
        interior = [
            k for k in system.keys if len(k) == 4 and k[3] == year and k[2] == ALL and k[0] != ALL and k[1] != ALL
        ]
        organizations = sorted({k[1] for k in interior})
        types = sorted({k[0] for k in interior})

        def type_cover(value: str, group: str | None, types: list[str] = types) -> list[str]:
            if value in types:
                return [value]
            found = [t for t in types if formats.get(t) == value] or types  # a format group, or anything
            narrowed = [t for t in found if formats.get(t) in (None, group)]  # the row's format group, if known
            return narrowed or found

        def organization_cover(value: str, organizations: list[str] = organizations) -> list[str]:
            if value in organizations:
                return [value]
            members = groups.get(value)
            return organizations if value == "*" or members is None else [o for o in organizations if o in members]

        entries: list[tuple[int, int, float]] = []
        constants: dict[str, list[int]] = {m: [] for m in MEASURES}
        known: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
        parts: dict[tuple[str, str], list[int]] = defaultdict(list)  # cell -> unknown parts that may be in it
        equation = 0
        for row in part.iter_rows(named=True):
            cover = [
                (t, o)
                for t in type_cover(row["activity_type"], row["activity_format_group"])
                for o in organization_cover(row["organization_type"])
            ]
            if not cover:
                break
            if len(cover) == 1:
                for m in MEASURES:
                    known[cover[0]][m] += row[m]
                continue
            label = (row["activity_type"], row["activity_format_group"], row["organization_type"])
            for cell in cover:  # the parts of these rows add up to the rows
                u = system.variable(("u", index, year, *label, *cell))
                parts[cell].append(u)
                entries.append((equation, u, 1.0))
            for m in MEASURES:
                constants[m].append(row[m])
            equation += 1
        else:
            for t in types:
                for o in organizations:
                    entries.append((equation, system.keys[(t, o, ALL, year)], 1.0))
                    entries += [(equation, u, -1.0) for u in parts[(t, o)]]
                    for m in MEASURES:
                        constants[m].append(known[(t, o)][m] if (t, o) in known else 0)
                    equation += 1
            eq, col, val = zip(*entries, strict=True)
            matrix = sp.coo_matrix((val, (eq, col)), shape=(equation, len(system.known)))
            system.equations(matrix, np.arange(len(system.known)), {m: np.array(c) for m, c in constants.items()})
            continue
        notes.append(f"{source.label}: its {year} rows have values the tables do not know: {year} not combined")


def _describe(key: tuple) -> tuple[str, dict[str, str]]:
    activity_type, organization, state, year = key
    year = ALL if year.startswith(f"{ALL}#") else year
    if state == ALL:
        return TYPE_ORG, {"activity_type": activity_type, "organization_type": organization, "report_year": year}
    return BY_STATE, {"provider_state": state, "report_year": year}


def intervals(
    tables: list[TablesSource], rows: list[RowsSource], groups: dict[str, frozenset[str]] | None = None
) -> JointResult:
    """The interval an attacker holding all these releases derives for every suppressed cell and measure."""
    started = time.perf_counter()
    groups = organization_groups() if groups is None else groups
    result = JointResult()
    system = _System()
    for i, source in enumerate(tables):
        _add_tables(system, i, source, result.notes)
    for j, source in enumerate(rows):
        _add_rows(system, j, source, groups, result.notes)
    matrix = system.matrix()
    known = np.array(system.known, dtype=bool)
    mask = ~known
    cells = np.array([i for i in np.flatnonzero(mask) if system.cell[i] is not None], dtype=np.int64)
    result.variables, result.equations, result.suppressed = matrix.shape[1], matrix.shape[0], int(cells.size)
    if cells.size:
        for measure in MEASURES:
            values = np.array(system.values[measure], dtype=np.int64)
            constants = np.concatenate(system.constants[measure]) if system.constants[measure] else np.empty(0)
            auditor = Auditor(None, [], values, matrix, constants)
            try:
                found = auditor.intervals(mask, cells)
            except ValueError as exc:
                labels = ", ".join(s.label for s in (*tables, *rows))
                raise JointAuditError(f"the releases {labels} cannot be audited together ({exc})") from None
            for cell in cells.tolist():
                lo, hi = found[cell]
                table, described = _describe(system.cell[cell])
                result.intervals.append(
                    {
                        "releases": system.owners[cell],
                        "table": table,
                        "cell": described,
                        "measure": measure,
                        "lo": lo,
                        "hi": hi,
                    }
                )
                if not is_protected(lo, hi, LOW, HIGH):
                    result.exposed += [
                        Exposure(owner, table, described, measure, lo, hi) for owner in system.owners[cell]
                    ]
    result.seconds = round(time.perf_counter() - started, 3)
    return result
