"""The activities release computes its rows in DuckDB and receives the released table in record batches (issue 16:
at a decade the polars version held several copies of 2.3 million rows and peaked at 3.2 GiB, over the memory cap).
Its content must be exactly version 3's, which this folder keeps as the oracle (`activities_v3.py`, the code of
anonymize/release/activities.py before the move)."""

from __future__ import annotations

import dataclasses
import shutil

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from anonymize.release import activities, activity_rows, make_release
from anonymize.release.profiles import ReleaseError, load_profile
from anonymize.release.writer import check_identifiers
from tests.release import activities_v3
from warehouse import resources

SECRET = bytes(range(32))


def _profile(**raw) -> object:
    profile = load_profile("activities")
    return dataclasses.replace(profile, raw={**profile.raw, **raw}) if raw else profile


def _last_year(con) -> int:
    return con.sql("select max(report_year) from research.activities").fetchall()[0][0]


def test_rows_risk_and_dictionary_equal_the_polars_release(built_warehouse):
    """On the last year (2,239 activities of 13 providers): both versions compute a release of several years one
    year at a time the same way (the classes over one row per provider, the tables cells and hidden rows keyed by
    year, the same sort); the years filter is the only path a release of every year leaves out, and the other
    tests here and the attack tests run that one."""
    with resources.read_only(built_warehouse, "1GB", parts=2) as con:
        profile = _profile(years=[_last_year(con)])
        found = activities.build(con, profile, SECRET)
        oracle = activities_v3.build(con, profile, SECRET)
    assert found.tables.keys() == oracle.tables.keys() == {"activities"}
    assert found.tables["activities"].height > 1000
    assert_frame_equal(found.tables["activities"], oracle.tables["activities"], check_exact=True)
    assert found.risk == oracle.risk
    assert found.columns == oracle.columns
    # the identifiers the writer looks for: every one that is a released text value (here none)
    assert set(found.forbidden.to_list()) == set(oracle.forbidden.to_list()) & _text_values(found.tables["activities"])


def _text_values(frame: pl.DataFrame) -> set[str]:
    return {v for c, t in frame.schema.items() if t == pl.Utf8 for v in frame[c].drop_nulls().unique().to_list()}


def test_an_identifier_in_a_released_text_cell_still_stops_the_release(built_warehouse, tmp_path):
    """The ids are now matched with the released values in DuckDB: a provider id planted in a released text column
    (rems_designation) must still reach the writer's identifier check."""
    db = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, db)
    con = duckdb.connect(str(db))
    year = _last_year(con)  # one year's release: the check of the released values is the same for every year
    con.sql(
        """
        create table research.activities_planted as
        select * replace (case when activity_id = (select min(activity_id) from research.activities
                                                   where report_year = $y)
                               then provider_id else rems_designation end as rems_designation)
        from research.activities
        """,
        params={"y": year},
    )
    con.close()
    with resources.read_only(db, "1GB", parts=2) as con:
        content = activities.build(con, _profile(source="research.activities_planted", years=[year]), SECRET)
    assert content.forbidden.len() == 1
    with pytest.raises(ReleaseError, match="column rems_designation: 1 cell"):
        check_identifiers(content)


class _Recording:
    """A connection whose results record the most rows that reached Python at once."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con, self.largest = con, 0

    def sql(self, *args, **kwargs):
        return _Result(self._con.sql(*args, **kwargs), self)

    def seen(self, rows: int) -> None:
        self.largest = max(self.largest, rows)

    def __getattr__(self, name):
        return getattr(self._con, name)


class _Result:
    def __init__(self, relation, recording: _Recording) -> None:
        self._relation, self._recording = relation, recording

    def pl(self, *args, **kwargs):
        frame = self._relation.pl(*args, **kwargs)
        self._recording.seen(frame.height)
        return frame

    def fetchall(self):
        rows = self._relation.fetchall()
        self._recording.seen(len(rows))
        return rows

    def to_arrow_reader(self, *args, **kwargs):
        for batch in self._relation.to_arrow_reader(*args, **kwargs):
            self._recording.seen(batch.num_rows)
            yield batch

    def __getattr__(self, name):
        return getattr(self._relation, name)


def test_the_activity_rows_reach_python_in_batches_only(built_warehouse, monkeypatch):
    """Version 3 read every activity row into one polars frame (`.pl()` of the whole source). The tables release's
    cells, which the release computes with the tables profile's own code (its dominance statistics read the rows'
    dimensions and measures), are left out of the count."""
    monkeypatch.setattr(activity_rows, "BATCH_ROWS", 1000)
    cells = activities.tables_cells
    monkeypatch.setattr(activities, "tables_cells", lambda con, years, secret: cells(con._con, years, secret))
    with resources.read_only(built_warehouse, "1GB", parts=2) as con:
        year = _last_year(con)  # one year's rows (2,239) are two batches and more: the reading path is the same
        rows = con.sql("select count(*) from research.activities where report_year = ?", params=[year]).fetchall()[0][0]
        recording = _Recording(con)
        content = activities.build(recording, _profile(years=[year]), SECRET)
    assert rows > 2000 and content.tables["activities"].height == rows
    assert recording.largest <= 1000, f"{recording.largest} rows of {rows} reached Python at once"


def test_a_tiny_cap_makes_the_same_files(built_warehouse, attack_releases, tmp_path):
    """Under a 64 MB cap (32 MB for DuckDB) the sort and joins spill; the files equal the default cap's release made
    with the same secret (attack_releases)."""
    db, key = tmp_path / "w.duckdb", tmp_path / "activities.key"
    shutil.copy(built_warehouse, db)
    shutil.copy(attack_releases["db"].parent / "secrets" / "activities.key", key)
    make_release("activities", db, tmp_path / "out", key, reuse_secret=True, memory_limit="64MB")
    for name in ("activities.parquet", "activities.csv"):
        assert (tmp_path / "out" / "data" / name).read_bytes() == (
            attack_releases["activities"] / "data" / name
        ).read_bytes()


_connections: list[duckdb.DuckDBPyConnection] = []


def _memory() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB connection for all the examples below (a new one per example cost more than the query)."""
    if not _connections:
        _connections.append(duckdb.connect())
    return _connections[0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(0, 10**6).map(lambda n: n / 1000),  # thousandths, the ties of half up
            st.integers(0, 10**5).map(lambda n: n / 100 + 0.005),
            st.floats(0, 5000, allow_nan=False),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_hours_rounded_in_duckdb_equal_polars_tenths(hours):
    """The released table is sorted in DuckDB on the rounded hours, so DuckDB must round them as polars does."""
    frame = pl.DataFrame({"h": hours}, schema={"h": pl.Float64})
    expected = frame.select(activities.tenths(pl.col("h")))["h"].to_list()
    found = _memory().sql(f"select {activity_rows.tenths_sql('h')} as t from frame").pl()
    assert found.select(activities.from_tenths(pl.col("t")))["t"].to_list() == expected
