"""Row validation as one SQL statement per file, built from the contract.

The statement turns a staging table (text) into a checked table: typed columns, `_copy` (1 for the
first of identical rows), and `_rule` / `_column` for the first rule the row breaks, in the precedence
of docs/loading.md. Everything is vectorized in DuckDB: a national year validates in seconds.
"""

from __future__ import annotations

import duckdb

from ..contract import FORMULA_PREFIXES, MAX_DATE, MAX_YEAR, MIN_DATE, MIN_YEAR, Column, FileSpec

WS = "' ' || chr(9) || chr(10) || chr(13)"
FORMULA_START = ", ".join(f"chr({ord(p)})" for p in FORMULA_PREFIXES)

#: DuckDB type of each contract type in the raw layer.
SQL_TYPES = {
    "id": "varchar",
    "text": "varchar",
    "code": "varchar",
    "date": "date",
    "year": "integer",
    "bool": "boolean",
    "int": "bigint",
    "decimal": "double",
    "money": "decimal(18,2)",
    "list": "varchar[]",
}
_FORMATS = {  # type: (rule, SQL true when the non-blank raw value in column {r} is malformed)
    "id": ("id_format", "length({r}) > 40 or {r} <> trim({r}, {ws})"),
    "date": (
        "invalid_date",
        "not regexp_full_match({r}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') or try_cast({r} as date) is null",
    ),
    "year": ("invalid_year", "not regexp_full_match({r}, '\\d{{4}}')"),
    "bool": ("invalid_bool", "{r} not in ('Yes', 'No')"),
    "int": ("invalid_int", "not regexp_full_match({r}, '-?\\d{{1,15}}')"),
    "decimal": ("invalid_decimal", "not regexp_full_match({r}, '-?\\d{{1,15}}(\\.\\d{{1,12}})?')"),
    "money": ("invalid_money", "not regexp_full_match({r}, '-?\\d{{1,13}}(\\.\\d{{1,2}})?')"),
}


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values) -> str:
    return "[" + ", ".join(quote(v) for v in sorted(values)) + "]"


def blank(col: str) -> str:
    return f"({col} is null or trim({col}, {WS}) = '')"


def typed_expr(c: Column) -> str:
    """The typed value of raw column `c` (NULL when blank or malformed)."""
    r = c.name
    if c.type == "text":
        value = f"case when left({r}, 1) in ({FORMULA_START}) then '''' || {r} else {r} end"
    elif c.type == "list":
        value = (
            (
                f"list_transform(string_split({r}, ';'), lambda x: case when left(x, 1) in ({FORMULA_START}) "
                "then '''' || x else x end)"
            )
            if c.codes is None
            else f"string_split({r}, ';')"
        )
    elif c.type == "bool":
        value = f"({r} = 'Yes')"
    elif c.type in ("id", "code"):
        value = r
    else:
        value = f"try_cast({r} as {SQL_TYPES[c.type]})"
    return f"case when {blank(r)} then null else {value} end"


def error_expr(c: Column) -> str:
    """'rule' for the first column rule `c` breaks, else NULL (required, format, range)."""
    r = c.name
    whens = [f"when {blank(r)} then {'null' if c.optional else quote('required')}"]
    if c.type in _FORMATS:
        rule, cond = _FORMATS[c.type]
        whens.append(f"when {cond.format(r=r, ws=WS)} then '{rule}'")
    if c.codes is not None and c.type == "code":
        whens.append(f"when not list_contains({_sql_list(c.codes)}, {r}) then 'unknown_code'")
    if c.codes is not None and c.type == "list":
        whens.append(
            f"when not list_has_all({_sql_list(c.codes)}, string_split({r}, ';')) then 'unknown_code'"
        )
    if c.type == "date":
        whens.append(
            f"when try_cast({r} as date) not between date '{MIN_DATE}' and date '{MAX_DATE}' "
            "then 'date_out_of_range'"
        )
    if c.type == "year":
        whens.append(
            f"when try_cast({r} as integer) not between {MIN_YEAR} and {MAX_YEAR} then 'date_out_of_range'"
        )
    if c.min is not None or c.max is not None:
        num = f"try_cast({r} as double)"
        bad = []
        if c.min is not None:
            bad.append(f"{num} {'<=' if c.min_exclusive else '<'} {c.min}")
        if c.max is not None:
            bad.append(f"{num} > {c.max}")
        whens.append(f"when {' or '.join(bad)} then 'out_of_range'")
    return "case " + " ".join(whens) + " end"


def checked_table_sql(spec: FileSpec, staging: str, checked: str) -> str:
    """SQL creating `checked` from `staging` with typed columns, `_copy`, `_rule` and `_column`."""
    cols = spec.column_names
    key = spec.key
    all_cols = ", ".join(cols)
    dup_rules = [_dup_rule(key, "_key_n")] + [_dup_rule(u, f"_uniq{i}_n") for i, u in enumerate(spec.unique)]
    counts = [_group_count(key, "_key_n")] + [
        _group_count(u, f"_uniq{i}_n") for i, u in enumerate(spec.unique)
    ]
    col_errors = [f"({error_expr(c)}) || '\t{c.name}'" for c in spec.columns]
    checks = [f"case when {ch.violation} then '{ch.rule}\t{ch.column}' end" for ch in spec.checks]
    return f"""
    create or replace temp table {checked} as
    with copies as (
        select *, row_number() over (partition by {all_cols} order by _row) as _copy from {staging}
    ),
    firsts as (
        select *, {", ".join(counts)} from copies where _copy = 1
    ),
    typed as (
        select _row, _line, 1 as _copy,
               coalesce({", ".join(dup_rules + col_errors)}) as _local_error,
               {", ".join(f"{typed_expr(c)} as {c.name}" for c in spec.columns)}
        from firsts
    ),
    judged as (
        select *, coalesce(_local_error{"".join(", " + c for c in checks)}) as _error from typed
    )
    select * exclude (_local_error, _error),
           split_part(_error, '\t', 1) as _rule, split_part(_error, '\t', 2) as _column
    from judged
    union all by name
    select _row, _line, _copy from copies where _copy > 1
    """


def _group_count(columns: tuple[str, ...], alias: str) -> str:
    not_null = " and ".join(f"{c} is not null" for c in columns)
    return (
        f"case when {not_null} then count(*) over (partition by {', '.join(columns)}) else 1 end as {alias}"
    )


def _dup_rule(columns: tuple[str, ...], alias: str) -> str:
    return f"case when {alias} > 1 then 'duplicate_key\t{columns[-1]}' end"


def run(con: duckdb.DuckDBPyConnection, spec: FileSpec, staging: str, checked: str) -> None:
    con.sql(checked_table_sql(spec, staging, checked))
    # split_part of NULL gives '' in some versions: normalize to NULL so "no rule" is one value.
    con.sql(f"update {checked} set _rule = null, _column = null where _rule = ''")
