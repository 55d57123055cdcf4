"""The activities release's rows, computed in DuckDB and fetched once, sorted, in record batches.

Version 3 read every activity row into polars and made several whole copies of it on the way to the released table
(the provider classes joined on, the suppressed cells' and narrowed types' flags, the sort): at a decade (2.3 million
rows) the release peaked at 3.2 GiB, over the memory cap. Here the rows stay in DuckDB (under its share of the cap,
spilling the rest): the steps of `activities.build` become joins of the rows with small tables held in Python (one
row per provider, per suppressed cell, per narrowed group), and Python receives only what it needs whole: the
providers, a few counts, and the released table itself, built from record batches of BATCH_ROWS rows.

The result is the one the polars code made, row for row and in the same order (tests/release/test_activities_in_
duckdb.py keeps that code as the oracle): the same joins, null handling and rounding, and a sort on the same columns
(nulls first, as polars sorts).
"""

from __future__ import annotations

import secrets

import duckdb
import polars as pl

from warehouse.db import ident

from .profiles import Profile

#: rows of the released table per record batch fetched from DuckDB
BATCH_ROWS = 65_536
SUPPRESSED = "*"
HOURS = "hours_of_instruction"


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def tenths_sql(hours: str) -> str:
    """Hours as whole tenths, half up, exactly as `activities.tenths` computes them in polars: whole thousandths
    first (rounded half to even, polars' default), then tenths by floor division."""
    return f"cast(floor((cast(round_even({hours} * 1000, 0) as bigint) + 50) / 100) as bigint)"


class ActivityRows:
    """The profile's source rows in DuckDB, and the tables that turn them into the released rows."""

    def __init__(self, con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
        self.con = con
        self.unit = profile.get("unit")
        self.qis = list(profile.policy.qi_names)
        years = profile.get("years")
        self.params = {"y": years} if years else None
        described = con.sql(f"select * from {profile.get('source')} limit 0")
        keep = {"activity_id", self.unit}
        unused = set(profile.get("drop", [])) - keep
        self.columns, selected, self.text_columns = [], [], set()
        for name, kind in zip(described.columns, described.types, strict=True):
            if name in unused:
                continue
            self.columns.append(name)
            if str(kind) == "VARCHAR" or str(kind).endswith("[]"):
                self.text_columns.add(name)
            q = ident(name)
            # lists arrive joined by ';' as they are released
            selected.append(f"array_to_string({q}, ';') as {q}" if str(kind).endswith("[]") else q)
        where = "where report_year in (select unnest($y))" if years else ""
        self.source = f"(select {', '.join(selected)} from {profile.get('source')} {where})"
        self.released_columns = self._released_columns(profile)
        self.tag = secrets.token_hex(4)
        self.registered: list[str] = []
        self.classes_table = self.interior_table = self.margins_table = self.narrowed_table = None

    def _released_columns(self, profile: Profile) -> list[str]:
        gone = {self.unit, *profile.get("drop", [])}
        first = ["report_year", *self.qis]
        return first + [c for c in self.columns if c not in first and c not in gone]

    def _register(self, name: str, frame: pl.DataFrame) -> str:
        table = f"_pars_{name}_{self.tag}"
        self.con.register(table, frame)
        self.registered.append(table)
        return table

    def close(self) -> None:
        for table in self.registered:
            self.con.unregister(table)
        self.registered = []

    def _sql(self, query: str) -> duckdb.DuckDBPyRelation:
        return self.con.sql(query, params=self.params)

    def count(self) -> int:
        return self._sql(f"select count(*) from {self.source}").fetchall()[0][0]

    # -- one row per provider ------------------------------------------------------------------------------------

    def providers(self) -> tuple[pl.DataFrame, dict]:
        """Each provider's quasi-identifiers of its latest row (by year, then activity id), sorted by provider,
        and its number of rows."""
        u = ident(self.unit)
        qis = ", ".join(ident(q) for q in self.qis)
        providers = self._sql(
            f"select {u}, {qis} from {self.source} qualify row_number() over "
            f"(partition by {u} order by report_year desc, activity_id desc) = 1 order by {u}"
        ).pl()
        weights = dict(self._sql(f"select {u}, count(*) from {self.source} group by {u}").fetchall())
        return providers, weights

    def classes(self, table: pl.DataFrame) -> None:
        """Each provider's released class (unit, quasi-identifiers)."""
        self.classes_table = self._register("classes", table)

    # -- the relation of the rows, step by step ------------------------------------------------------------------

    def _marked(self) -> str:
        """The rows with their provider's class (`_pars_class_<qi>`) and the suppressed cells' flags."""
        u = ident(self.unit)
        classes = ", ".join(f"c.{ident(q)} as {ident('_pars_class_' + q)}" for q in self.qis)
        joins = [f"left join {self.classes_table} c on c.{u} = s.{u}"]
        provider, kind = "false", "false"
        if self.interior_table:
            joins.append(
                f"left join {self.interior_table} i on i._t = s.activity_type::varchar "
                "and i._o = coalesce(s.organization_type::varchar, 'None') and i._y = s.report_year::varchar"
            )
            joins.append(
                f"left join {self.margins_table} m on m._t = s.activity_type::varchar and m._y = s.report_year::varchar"
            )
            provider, kind = "i._t is not null", "m._t is not null"
        return (
            f"select s.*, {classes}, {provider} as _pars_hide_provider, {kind} as _pars_hide_type "
            f"from {self.source} s {' '.join(joins)}"
        )

    def _hidden(self) -> str:
        """The rows as `hide_suppressed_cells` left them: `_pars_shown_<column>`."""
        shown = [
            f"case when _pars_hide_provider then '*' else {ident('_pars_class_' + q)} end "
            f"as {ident('_pars_shown_' + q)}"
            for q in self.qis
        ]
        shown += [
            f"case when _pars_hide_type then '*' else {ident(c)} end as {ident('_pars_shown_' + c)}"
            for c in ("activity_type", "activity_format_group")
        ]
        return f"select *, {', '.join(shown)} from ({self._marked()})"

    def _final(self) -> str:
        """The rows as `hide_narrowed_types` left them: `_pars_narrowed`, and the final values `_pars_out_<c>`."""
        narrowed, join = "false", ""
        if self.narrowed_table:
            on = ["n._t = h._pars_shown_activity_type", "n._y = h.report_year::varchar"]
            on += [f"n.{ident(q)} is not distinct from h.{ident('_pars_shown_' + q)}" for q in self.qis]
            join = f"left join {self.narrowed_table} n on {' and '.join(on)}"
            narrowed = "n._t is not null"
        out = [f"{ident('_pars_shown_' + q)} as {ident('_pars_out_' + q)}" for q in self.qis]
        out += [
            f"case when _pars_narrowed then '*' else {ident('_pars_shown_' + c)} end as {ident('_pars_out_' + c)}"
            for c in ("activity_type", "activity_format_group")
        ]
        return (
            f"select *, {', '.join(out)} from (select h.*, {narrowed} as _pars_narrowed "
            f"from ({self._hidden()}) h {join})"
        )

    # -- the steps ------------------------------------------------------------------------------------------------

    def hide_suppressed_cells(self, hidden: pl.DataFrame) -> dict:
        """`activities.hide_suppressed_cells` in DuckDB; the national-total check stays in Python (activities.py)."""
        from anonymize.tables.linear_audit import ALL

        from .profiles import ReleaseError

        national = hidden.filter((pl.col("activity_type") == ALL) & (pl.col("organization_type") == ALL))
        if national.height:
            raise ReleaseError(
                f"the tables release suppresses the national total of year(s) "
                f"{sorted(national['report_year'].to_list())}, which the activity rows would count: "
                f"release other years"
            )
        interior = hidden.filter(
            (pl.col("activity_type") != ALL) & (pl.col("organization_type") != ALL) & (pl.col("report_year") != ALL)
        )
        margins = hidden.filter(
            (pl.col("activity_type") != ALL) & (pl.col("organization_type") == ALL) & (pl.col("report_year") != ALL)
        )
        self.interior_table = self._register(
            "interior",
            interior.select(
                pl.col("activity_type").alias("_t"),
                pl.col("organization_type").alias("_o"),
                pl.col("report_year").alias("_y"),
            ),
        )
        self.margins_table = self._register(
            "margins", margins.select(pl.col("activity_type").alias("_t"), pl.col("report_year").alias("_y"))
        )
        provider, kind = self.con.sql(
            f"select count(*) filter (where _pars_hide_provider), count(*) filter (where _pars_hide_type) "
            f"from ({self._marked()})",
            params=self.params,
        ).fetchall()[0]
        return {
            "suppressed_cells": interior.height,
            "suppressed_type_year_margins": margins.height,
            "rows_provider_hidden": provider,
            "rows_type_hidden": kind,
        }

    def shown_groups(self) -> pl.DataFrame:
        """The (activity type, year, class) groups of the rows whose type is shown after the suppressed cells."""
        qis = ", ".join(f"{ident('_pars_shown_' + q)} as {ident(q)}" for q in self.qis)
        return self._sql(
            f"select distinct _pars_shown_activity_type::varchar as activity_type, "
            f"report_year::varchar as report_year, {qis} from ({self._hidden()}) "
            "where _pars_shown_activity_type != '*'"
        ).pl()

    def narrow(self, narrowed: pl.DataFrame) -> int:
        """Hide the type of the rows in the `narrowed` groups; returns how many rows that is."""
        if not narrowed.height:
            return 0
        self.narrowed_table = self._register("narrowed", narrowed.rename({"activity_type": "_t", "report_year": "_y"}))
        return self._sql(f"select count(*) filter (where _pars_narrowed) from ({self._final()})").fetchall()[0][0]

    def l_diversity(self, sensitive: list[str]) -> dict[str, int]:
        """`content.l_diversity` over the final rows: polars' n_unique counts a null as a value, so here too."""
        if not sensitive:
            return {}
        groups = ", ".join(ident("_pars_out_" + q) for q in self.qis)
        counts = ", ".join(
            f"count(distinct {ident(s)}) + max(case when {ident(s)} is null then 1 else 0 end) as {ident(s)}"
            for s in sensitive
        )
        mins = ", ".join(f"min({ident(s)})" for s in sensitive)
        found = self._sql(f"select {mins} from (select {counts} from ({self._final()}) group by {groups})").fetchall()
        return {s: int(v) for s, v in zip(sensitive, found[0], strict=True)}

    def identifiers(self) -> pl.Series:
        """The activity and provider ids (as text) that are also a released text value: the writer's identifier
        check (`writer.check_identifiers`) refuses the release if there is any. Found in DuckDB, so the 2.3
        million ids of a decade do not come to Python to be looked for in every text column."""
        text = [c for c in self.released_columns if c in self.text_columns]
        if not text:
            return pl.Series("v", [], dtype=pl.Utf8)
        cells = ", ".join(f"{self._out(c)}::varchar" for c in text)
        values = f"select distinct unnest([{cells}]) as v from ({self._final()})"
        ids = f"select activity_id::varchar as v from {self.source} union select {ident(self.unit)}::varchar from "
        return self._sql(f"select v from ({ids}{self.source}) semi join ({values}) using (v)").pl()["v"]

    def _out(self, column: str) -> str:
        """The released value of `column` in `_final()`."""
        if column in (*self.qis, "activity_type", "activity_format_group"):
            return ident("_pars_out_" + column)
        return ident(column)

    def kept_before_hiding(self, names: list[str]) -> dict[str, int]:
        """Rows not `*` (nulls not counted) per column after the provider classes, before any cell was hidden."""
        counts = ", ".join(
            f"count(*) filter (where {ident(('_pars_class_' + n) if n in self.qis else n)} != '*')" for n in names
        )
        found = self._sql(f"select {counts} from ({self._marked()})").fetchall()[0]
        return dict(zip(names, found, strict=True))

    def source_values(self, names: list[str]) -> dict[str, pl.Series]:
        """The distinct source values of each column, as text."""
        return {n: self._sql(f"select distinct {ident(n)}::varchar as v from {self.source}").pl()["v"] for n in names}

    def released(self) -> pl.DataFrame:
        """The released table, sorted on all its columns (nulls first) as polars sorts, in record batches."""
        from .activities import from_tenths

        select = []
        for c in self.released_columns:
            value = self._out(c)
            if c == HOURS:
                value = tenths_sql(value)  # sorted as whole tenths: the same order as the hours they become
            select.append(f"{value} as {ident(c)}")
        order = ", ".join(f"{ident(c)} asc nulls first" for c in self.released_columns)
        reader = self._sql(f"select {', '.join(select)} from ({self._final()}) order by {order}").to_arrow_reader(
            BATCH_ROWS
        )
        frames = []
        for batch in reader:
            frame = pl.from_arrow(batch)
            if HOURS in frame.columns:
                frame = frame.with_columns(from_tenths(pl.col(HOURS)).alias(HOURS))
            frames.append(frame)
        return pl.concat(frames, rechunk=True)
