"""Rules that look beyond one row: full-export deletions, references to parents, cross-file checks.

They run file by file in load order, after every file of the export has been checked on its own, so
a parent's fate (accepted, quarantined, deleted) is known before its children are judged.
"""

from __future__ import annotations

import duckdb

from ..contract import CROSS_FILE_CHECKS, FILES_BY_NAME, FileSpec
from ..db import scalar
from .raw import latest_sql


def table(prefix: str, spec: FileSpec) -> str:
    return f"{prefix}_{spec.name}"


def _keys_in_export(con: duckdb.DuckDBPyConnection, spec: FileSpec) -> str:
    """Every key the export's file holds, good or bad (a record the export holds is never deleted), the rows the
    reader could not stage included (fc_<file>: a stray field, a record over the limit)."""
    claimed = ", ".join(f"key[{i + 1}] as {k}" for i, k in enumerate(spec.key))
    return (
        f"(select {', '.join(spec.key)} from {table('read', spec)} "
        f"union select {claimed} from fc_{spec.name} where len(key) = {len(spec.key)})"
    )


def _unread_keys(con: duckdb.DuckDBPyConnection, spec: FileSpec) -> int:
    """Rows of the file whose key could not be read: each may be any record of the file."""
    return scalar(con, f"select count(*) from fc_{spec.name} where key is null")


def activity_years(con: duckdb.DuckDBPyConnection) -> None:
    """Each activity's reporting year and dates after this load: the export's accepted version, else the
    warehouse's live one."""
    acts = FILES_BY_NAME["activities"]
    con.sql(f"""
        create or replace temp table act_info as
        select activity_id, reporting_year, start_date, end_date, true as in_export
        from checked_activities where _copy = 1 and _rule is null
        union all
        select activity_id, reporting_year, start_date, end_date, false
        from {latest_sql(acts)} l
        where not exists (select 1 from checked_activities c where c._copy = 1 and c._rule is null
                          and c.activity_id = l.activity_id)
    """)


def _empty(con: duckdb.DuckDBPyConnection, spec: FileSpec) -> bool:
    """No version of any record of the file in the raw layer yet (a first load)."""
    return scalar(con, f"select count(*) from (select 1 from raw.{spec.name} limit 1)") == 0


def deletion_scope(spec: FileSpec, years: tuple[int, ...]) -> str:
    """SQL condition on a live record `l`: a full export of `years` holds it or deletes it."""
    years_sql = ", ".join(str(int(y)) for y in years)
    if spec.year_via is None:
        return "false"
    if spec.year_via == "reporting_year":
        return f"l.reporting_year in ({years_sql})"
    return (
        f"exists (select 1 from act_info a where a.activity_id = l.activity_id and a.reporting_year in ({years_sql}))"
    )


def plan_deletions(con: duckdb.DuckDBPyConnection, spec: FileSpec, years: tuple[int, ...], full: bool) -> int:
    """Create del_<file>: the live keys a full export no longer holds (empty for incremental exports).

    When a row of the file was quarantined with a key that could not be read, it may be any of them: nothing of
    the file is deleted by this load, and the count held back is returned (0 otherwise)."""
    name = table("del", spec)
    key = ", ".join(spec.key)
    withheld = 0
    if not full or _empty(con, spec):
        # Nothing can be deleted: skip the export's keys (a 20M-row distinct at a decade's first load).
        con.sql(f"create or replace temp table {name} as select {key} from raw.{spec.name} where false")
    else:
        held = _keys_in_export(con, spec)
        match = " and ".join(f"h.{k} = l.{k}::varchar" for k in spec.key)
        con.sql(f"""
            create or replace temp table {name} as
            select {", ".join("l." + k for k in spec.key)} from {latest_sql(spec)} l
            where {deletion_scope(spec, years)} and not exists (select 1 from {held} h where {match})
        """)
        if _unread_keys(con, spec):
            withheld = scalar(con, f"select count(*) from {name}")
            con.sql(f"delete from {name}")
    con.sql(
        f"create or replace temp view live_{spec.name} as "
        f"select * from {latest_sql(spec)} l where not exists "
        f"(select 1 from {name} d where {' and '.join(f'd.{k} = l.{k}' for k in spec.key)})"
    )
    return withheld


def check_references(con: duckdb.DuckDBPyConnection, spec: FileSpec) -> None:
    chk = table("checked", spec)
    for ref in spec.references:
        parent = FILES_BY_NAME[ref.parent]
        pchk = table("checked", parent)
        column = ref.columns[-1]
        match = " and ".join(f"p.{pc} = c.{cc}" for cc, pc in zip(ref.columns, ref.parent_columns, strict=True))
        # the parent's row was quarantined by a rule, or could not be staged at all (its key read by position)
        pairs = zip(ref.columns, ref.parent_columns, strict=True)
        unread = " and ".join(f"p.key[{parent.key.index(pc) + 1}] = c.{cc}" for cc, pc in pairs)
        con.sql(f"""
            update {chk} c set _rule = 'parent_rejected', _column = '{column}'
            where _rule is null and _copy = 1
              and (exists (select 1 from {pchk} p where p._copy = 1 and p._rule is not null and {match})
                   or exists (select 1 from fc_{parent.name} p where len(p.key) = {len(parent.key)} and {unread}))
        """)
        con.sql(f"""
            update {chk} c set _rule = 'unknown_reference', _column = '{column}'
            where _rule is null and _copy = 1
              and not exists (select 1 from {pchk} p where p._copy = 1 and p._rule is null and {match})
              and not exists (select 1 from live_{parent.name} p where {match})
        """)
    cross = CROSS_FILE_CHECKS.get(spec.name)
    if cross:
        rule, column, violation = cross
        con.sql(f"""
            update {chk} t set _rule = '{rule}', _column = '{column}'
            from act_info a
            where t._rule is null and t._copy = 1 and a.activity_id = t.activity_id and ({violation})
        """)
