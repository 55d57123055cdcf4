"""The joint disclosure audit: a tables release read together with activities releases and other tables releases.

The adversary (docs/releases.md) holds every release of the warehouse. The tables release's own audit proves that
no suppressed cell can be derived into [1, 10] from that release alone; this module proves it for the releases
combined, in both orders (a new tables release against the registered activities and tables releases, a new
activities release against the registered tables releases), through `register.JOINT_AUDITS`.

One linear system per disclosure measure (activities = row count, physician_interactions,
other_learner_interactions) over:

- the cells of every tables release's activity system (`activities_by_type_organization_year` and
  `activities_by_state_year` stacked, as the tables profile audits them): published cells are known, suppressed
  cells unknown, and every margin equation of each release holds. A cell of a concrete year is the same unknown
  in every tables release (so an earlier release's published cells are equalities on the new one's); a margin
  over the years (`All`) is an unknown of its own release (releases of other years sum other years).
- the rows of every activities release, per year and activity type: rows whose organization_type is a raw value
  are known to be in that cell; rows with a generalized value or `*` are split over the cells of the organization
  types they could have, by unknown parts u >= 0:
      cell(t, o, y) = (rows of t, y known to be o) + sum over generalized values v covering o of u(t, y, v, o)
      sum over o covered by v of u(t, y, v, o) = (rows of t, y showing v)
  (for activities the rows are counted, for interactions summed). So a cell is at least its known part, and
  the unknown parts add up to what the generalized rows hold.

Then the existing LP audit (`linear_audit.Auditor`: one warm-started HiGHS model per connected component) gives
the min and max of every suppressed cell of every combined tables release; a cell whose interval lies inside
[1, 10] makes the combination disclose it, and the new release is refused with the release, table, cell and
interval. Cells already derivable from the registered releases alone (without the new one) are not held against
the new release.

An activities release that still carries a provider pseudonym (a `provider` column: activities profile
version 1) links every row to a provider: an integer program fitting each pseudonym's rows to the published cells
places its state and organization type and then recovers the suppressed cells
(tests/release/test_attack_differencing.py). This module does not try to prove such a combination safe: any
tables release combined with it is refused.

Limits (also in docs/releases.md): the audit is the LP relaxation per measure (as the tables profile's own audit);
it does not model that the same rows carry all three measures at once, nor match identical rows across two
activities releases. Releases made from different data (another load) whose numbers disagree are not combined
for the disagreeing years, and that is said in the result's notes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp

from anonymize.tables.linear_audit import ALL, Auditor, is_protected, relations

TYPE_ORG = "activities_by_type_organization_year"
BY_STATE = "activities_by_state_year"
DIMENSIONS = {
    TYPE_ORG: ["activity_type", "organization_type", "report_year"],
    BY_STATE: ["provider_state", "report_year"],
}
UNION = ["activity_type", "organization_type", "provider_state", "report_year"]
#: disclosure measure -> the activities release's column it sums (None: the rows are counted)
MEASURES = {
    "activities": None,
    "physician_interactions": "physician_interactions",
    "other_learner_interactions": "other_learner_interactions",
}
ROW_COLUMNS = (
    "report_year",
    "activity_type",
    "organization_type",
    "physician_interactions",
    "other_learner_interactions",
)
PSEUDONYM = "provider"
LOW, HIGH = 1, 10
HIERARCHY = Path(__file__).resolve().parent / "hierarchies" / "organization_type.csv"
ACTIVITY_TYPES = Path(__file__).resolve().parents[2] / "seeds" / "activity_types.csv"
#: a cell published with nothing unknown beside it: shown as the first few cells in a refusal
SHOWN = 5


@dataclass
class TablesSource:
    """The activity system of one tables release: its two tables stacked (suppressed cells null)."""

    label: str
    stacked: pl.DataFrame
    candidate: bool


@dataclass
class RowsSource:
    """The rows of one activities release (the columns the audit reads)."""

    label: str
    rows: pl.DataFrame
    linked: bool  # carries the provider pseudonym
    candidate: bool


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


def _printable(value: str) -> str:
    """A value from released data in a one-line message: control characters (a line break) become U+FFFD."""
    return "".join("\ufffd" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in str(value))


# ---------------------------------------------------------------------------------------------------------------
# Reading the releases
# ---------------------------------------------------------------------------------------------------------------


def _stack(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    parts = []
    for name, dims in DIMENSIONS.items():
        frame = tables[name].with_columns(pl.col(d).cast(pl.Utf8) for d in dims)
        frame = frame.with_columns(pl.lit(ALL).alias(d) for d in UNION if d not in dims)
        parts.append(frame.select([*UNION, *(pl.col(m).cast(pl.Int64) for m in MEASURES)]))
    return pl.concat(parts).unique(subset=UNION, keep="first").sort(UNION)


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    group = "activity_format_group"
    return frame.select(
        pl.col("report_year").cast(pl.Utf8),
        pl.col("activity_type").cast(pl.Utf8).fill_null("None"),
        (pl.col(group).cast(pl.Utf8) if group in frame.columns else pl.lit(None, pl.Utf8)).alias(group),
        pl.col("organization_type").cast(pl.Utf8).fill_null("None"),
        pl.col("physician_interactions").cast(pl.Int64).fill_null(0),
        pl.col("other_learner_interactions").cast(pl.Int64).fill_null(0),
    )


def _has_tables(columns: dict[str, list[str]]) -> bool:
    return all(name in columns and set(dims) | set(MEASURES) <= set(columns[name]) for name, dims in DIMENSIONS.items())


def _has_rows(columns: dict[str, list[str]]) -> bool:
    return "activities" in columns and set(ROW_COLUMNS) <= set(columns["activities"])


def sources(candidate, registered) -> tuple[list[TablesSource], list[RowsSource]]:
    """The tables releases and activities releases among the candidate (first) and the register."""
    tables: list[TablesSource] = []
    rows: list[RowsSource] = []
    found = {name: list(frame.columns) for name, frame in candidate.tables.items()}
    label = f"the new {candidate.profile} release"
    if _has_tables(found):
        tables.append(TablesSource(label, _stack(candidate.tables), True))
    if _has_rows(found):
        frame = candidate.tables["activities"]
        rows.append(RowsSource(label, _rows(frame), PSEUDONYM in frame.columns, True))
    for release in registered:
        folder = release.folder / "data"
        names = {p.stem for p in folder.glob("*.parquet")} if folder.is_dir() else set()
        label = (
            f"registered release {release.entry['release_id']} ({release.entry.get('profile', '?')}, "
            f"{str(release.entry['released_at'])[:10]})"
        )
        wanted = {n for n in (*DIMENSIONS, "activities") if n in names}
        if not wanted:
            continue
        columns = {n: pl.read_parquet_schema(folder / f"{n}.parquet") for n in wanted}
        columns = {n: list(schema) for n, schema in columns.items()}
        if _has_tables(columns):
            tables.append(TablesSource(label, _stack({n: release.table(n) for n in DIMENSIONS}), False))
        if _has_rows(columns):
            frame = release.table("activities")
            rows.append(RowsSource(label, _rows(frame), PSEUDONYM in frame.columns, False))
    return tables, rows


def organization_groups(path: Path = HIERARCHY) -> dict[str, frozenset[str]]:
    """Every value of the organization-type hierarchy -> the raw organization types it can stand for."""
    covers: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        levels = [v.strip() for v in line.split(";")]
        if not levels or not levels[0]:
            continue
        for value in levels:
            covers[value].add(levels[0])
    return {value: frozenset(raw) for value, raw in covers.items()}


# ---------------------------------------------------------------------------------------------------------------
# The linear system
# ---------------------------------------------------------------------------------------------------------------


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


def activity_format_groups(path: Path = ACTIVITY_TYPES) -> dict[str, str]:
    """activity type -> format group (Live, Enduring, Other), from the seed the warehouse is built with."""
    if not path.is_file():
        return {}
    frame = pl.read_csv(path, infer_schema_length=0)
    return dict(zip(frame["activity_type"].to_list(), frame["activity_format_group"].to_list(), strict=True))


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


# ---------------------------------------------------------------------------------------------------------------
# The audit in register.JOINT_AUDITS
# ---------------------------------------------------------------------------------------------------------------


def _combinable(tables: list, rows: list) -> bool:
    return bool(tables) and (len(tables) > 1 or bool(rows))


def tables_activities_audit(candidate, registered) -> list[str]:
    """Reasons to refuse the candidate: a pseudonym link to a tables release, or a suppressed cell that the
    candidate combined with the registered releases makes derivable into [1, 10]."""
    found = {name: list(frame.columns) for name, frame in candidate.tables.items()}
    if not _has_tables(found) and not _has_rows(found):
        return []  # a learners release: nothing of it enters these systems
    try:
        tables, rows = sources(candidate, registered)
    except (OSError, ValueError, KeyError, pl.exceptions.PolarsError) as exc:
        from .register import RegisterError

        raise RegisterError(
            f"release register: a registered release's data cannot be read for the joint audit "
            f"({_printable(exc)}); restore the register from the backup of the warehouse"
        ) from None
    new_tables = [t for t in tables if t.candidate]
    new_rows = [r for r in rows if r.candidate]
    if not new_tables and not new_rows:
        return []
    reasons = []
    for source in rows:
        partners = tables if source.candidate else new_tables
        partners = [t for t in partners if t is not source]
        if source.linked and partners:
            reasons.append(
                f"{source.label} carries the provider pseudonym ({PSEUDONYM!r} column, activities profile version "
                f"1) and is combined with {', '.join(t.label for t in partners)}: an integer program fitting each "
                f"pseudonym's activity rows to the published cells of the tables places the provider's state and "
                f"organization type and then recovers the suppressed cells (the pseudonym fit); make the "
                f"activities release without the provider pseudonym (the current activities profile) before "
                f"releasing tables"
            )
    if reasons:
        return reasons
    if not _combinable(tables, rows):
        return []
    try:
        combined = intervals(tables, rows)
    except JointAuditError as exc:
        return [f"{exc}; a release that cannot be audited with the register is not made"]
    exposed = combined.exposed
    old_tables = [t for t in tables if not t.candidate]
    old_rows = [r for r in rows if not r.candidate]
    if exposed and _combinable(old_tables, old_rows):
        try:
            before = {e.key() for e in intervals(old_tables, old_rows).exposed}
        except JointAuditError:
            before = set()
        exposed = [e for e in exposed if e.key() not in before]
    if not exposed:
        return []
    by_release: dict[str, list[Exposure]] = defaultdict(list)
    for e in exposed:
        by_release[e.release].append(e)
    for release, found in by_release.items():
        others = [s.label for s in (*tables, *rows) if s.label != release]
        shown = "; ".join(e.text() for e in found[:SHOWN]) + (
            f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        )
        reasons.append(
            f"combined with {', '.join(others)}, {len(found)} suppressed cell value(s) of {release} become "
            f"derivable into [{LOW}, {HIGH}] (linear programs over the published cells and margins of every "
            f"tables release{' and the activity rows' if rows else ''}): {shown}"
        )
    return reasons


# ---------------------------------------------------------------------------------------------------------------
# What an activities release must star to pass next to a tables release (for the activities profile)
# ---------------------------------------------------------------------------------------------------------------


def star_for_tables(rows: pl.DataFrame, type_organization: pl.DataFrame) -> pl.DataFrame:
    """`rows` (one per activity: report_year, activity_type, activity_format_group, organization_type with raw
    values) with `*` where the tables release's `activities_by_type_organization_year` hides a cell:

    - organization_type on the rows of every suppressed (type, organization, year) cell;
    - activity_type, activity_format_group and organization_type on the rows of every suppressed (type, All, year)
      margin: the rows show the count of each activity type per year, so such a margin would otherwise be counted
      straight from them.

    The joint audit still decides: this is the pattern it was tested to accept on the test warehouse
    (tests/release/test_joint_audit.py), not a proof for every table.
    """
    table = type_organization.with_columns(pl.col(c).cast(pl.Utf8) for c in DIMENSIONS[TYPE_ORG])
    hidden = table.filter(
        pl.col("activities").is_null() & (pl.col("activity_type") != ALL) & (pl.col("report_year") != ALL)
    )
    cells = (
        hidden.filter(pl.col("organization_type") != ALL)
        .select(DIMENSIONS[TYPE_ORG])
        .with_columns(pl.lit(True).alias("_cell"))
    )
    margins = (
        hidden.filter(pl.col("organization_type") == ALL)
        .select("activity_type", "report_year")
        .unique()
        .with_columns(pl.lit(True).alias("_margin"))
    )
    year_type = rows.schema["report_year"]
    keyed = rows.with_columns(pl.col("report_year").cast(pl.Utf8).alias("_year"))
    keyed = keyed.join(
        cells.rename({"report_year": "_year"}), on=["activity_type", "organization_type", "_year"], how="left"
    )
    keyed = keyed.join(margins.rename({"report_year": "_year"}), on=["activity_type", "_year"], how="left")
    star = pl.lit("*")
    whole = pl.col("_margin").fill_null(False)
    starred = keyed.with_columns(
        pl.when(whole | pl.col("_cell").fill_null(False))
        .then(star)
        .otherwise(pl.col("organization_type"))
        .alias("organization_type"),
        *(
            pl.when(whole).then(star).otherwise(pl.col(c)).alias(c)
            for c in ("activity_type", "activity_format_group")
            if c in rows.columns
        ),
    )
    return starred.drop("_year", "_cell", "_margin").with_columns(pl.col("report_year").cast(year_type))
