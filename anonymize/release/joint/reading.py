"""The joint audit's inputs: the tables and activities releases among a candidate and the register, read into the
frames the linear system is made of, and the code lists (organization-type hierarchy, activity format groups)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from anonymize.tables.linear_audit import ALL

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
HIERARCHY = Path(__file__).resolve().parents[1] / "hierarchies" / "organization_type.csv"
ACTIVITY_TYPES = Path(__file__).resolve().parents[3] / "seeds" / "activity_types.csv"


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


def _printable(value: str) -> str:
    """A value from released data in a one-line message: control characters (a line break) become U+FFFD."""
    return "".join("\ufffd" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in str(value))


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


def activity_format_groups(path: Path = ACTIVITY_TYPES) -> dict[str, str]:
    """activity type -> format group (Live, Enduring, Other), from the seed the warehouse is built with."""
    if not path.is_file():
        return {}
    frame = pl.read_csv(path, infer_schema_length=0)
    return dict(zip(frame["activity_type"].to_list(), frame["activity_format_group"].to_list(), strict=True))
