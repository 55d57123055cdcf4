"""Row validation as one SQL statement per file, built from the contract.

The statement turns a staging table (text) into a checked table: typed columns, `_copy` (1 for the
first of identical rows), and `_rule` / `_column` for the first rule the row breaks, in the precedence
of docs/loading.md. Everything is vectorized in DuckDB: a national year validates in seconds.
"""

from __future__ import annotations

import duckdb

from ..contract import FORMULA_PREFIXES, ID_PATTERN, MAX_DATE, MAX_YEAR, MIN_DATE, MIN_YEAR, Column, FileSpec
from ..db import ident
from .limits import Limits
from .limits import limits as default_limits

WS = "' ' || chr(9) || chr(10) || chr(13)"
WS_CODES = "32, 9, 10, 13"
FORMULA_START = ", ".join(f"chr({ord(p)})" for p in FORMULA_PREFIXES)
#: C0 controls and DEL, except tab and LF (0x09, 0x0a); CR only as part of CRLF (removed first).
CONTROL = "'[\\x00-\\x08\\x0b-\\x1f\\x7f]'"
CRLF = "chr(13) || chr(10)"

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
    "id": ("id_format", f"length({{r}}) > 40 or not regexp_full_match({{r}}, '{ID_PATTERN}')"),
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
    """Empty or whitespace-only (trimming only values that start with whitespace: trim is the slow part)."""
    return f"({col} is null or {col} = '' or (ascii({col}) in ({WS_CODES}) and trim({col}, {WS}) = ''))"


def typed_expr(c: Column, clean: str | None = None) -> str:
    """The typed value of raw column `c` (NULL when blank or malformed).

    `clean`: SQL true when the row passed clean_row_expr (then a required value is not blank)."""
    r = ident(c.name)
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
    if clean and not c.optional:
        return f"case when {clean} then {value} when {blank(r)} then null else {value} end"
    return f"case when {blank(r)} then null else {value} end"


def error_expr(c: Column, has_control: str = "_has_control") -> str:
    """'rule' for the first column rule `c` breaks, else NULL (required, format, range).

    `has_control` is SQL true when the row may hold a control character (a cheap test over the whole row
    first: the per-column pattern runs only where it is true)."""
    r = ident(c.name)
    whens = [f"when {blank(r)} then {'null' if c.optional else quote('required')}"]
    if c.type != "id":  # an id's alphabet (id_format) excludes control characters already
        whens.append(
            f"when {has_control} and regexp_matches(replace({r}, {CRLF}, ''), {CONTROL}) then 'control_character'"
        )
    if c.type in _FORMATS:
        rule, cond = _FORMATS[c.type]
        whens.append(f"when {cond.format(r=r, ws=WS, sp=WS_CODES)} then '{rule}'")
    if c.codes is not None and c.type == "code":
        whens.append(f"when not list_contains({_sql_list(c.codes)}, {r}) then 'unknown_code'")
    if c.codes is not None and c.type == "list":
        whens.append(f"when not list_has_all({_sql_list(c.codes)}, string_split({r}, ';')) then 'unknown_code'")
    if c.type == "date":
        whens.append(
            f"when try_cast({r} as date) not between date '{MIN_DATE}' and date '{MAX_DATE}' then 'date_out_of_range'"
        )
    if c.type == "year":
        whens.append(f"when try_cast({r} as integer) not between {MIN_YEAR} and {MAX_YEAR} then 'date_out_of_range'")
    if c.min is not None or c.max is not None:
        num = f"try_cast({r} as double)"
        bad = []
        if c.min is not None:
            bad.append(f"{num} {'<=' if c.min_exclusive else '<'} {c.min}")
        if c.max is not None:
            bad.append(f"{num} > {c.max}")
        whens.append(f"when {' or '.join(bad)} then 'out_of_range'")
    return "case " + " ".join(whens) + " end"


#: Text that holds no control character (CONTROL; CR even as part of CRLF: such a row takes the slow path).
_TEXT_CHAR = "[^\\x00-\\x08\\x0b-\\x1f\\x7f]"
#: One character that is neither whitespace (blank()) nor a control character.
_SOLID_CHAR = "[^\\x00-\\x08\\x0b-\\x1f\\x7f \\t\\n]"
_ANY_TEXT = f"{_TEXT_CHAR}*"
_SOLID_TEXT = f"{_TEXT_CHAR}*{_SOLID_CHAR}{_TEXT_CHAR}*"
#: The row's values are joined with this character for the clean-row pattern; no field pattern admits it, so
#: a match aligns every field with its column.
_SEPARATOR = "\\x1f"
#: Per contract type: a pattern that every non-blank value passing the type's format rule (_FORMATS) matches
#: and no value breaking it does (ids: ID_PATTERN, at most 40 characters).
_CLEAN_PATTERNS = {
    "id": "[A-Za-z0-9][A-Za-z0-9-]{0,39}",
    "date": "\\d{4}-\\d{2}-\\d{2}",
    "year": "\\d{4}",
    "bool": "Yes|No",
    "int": "-?\\d{1,15}",
    "decimal": "-?\\d{1,15}(?:\\.\\d{1,12})?",
    "money": "-?\\d{1,13}(?:\\.\\d{1,2})?",
}


def clean_row_expr(spec: FileSpec, prefix: str = "") -> str:
    """SQL true only for a row that breaks no column rule (error_expr of every column would be NULL).

    One pattern match over the row's values joined (format, whitespace and control characters of every
    column at once) and a few comparisons (codes, dates and numbers in range). It may be false or NULL for a
    clean row too (a CRLF in a text, an optional number left blank): such rows, and every row that breaks a
    rule, are judged by the per-column rules as before, so the verdicts are the same.
    """
    pieces, extra = [], []
    for c in spec.columns:
        r = prefix + ident(c.name)
        if c.type in _CLEAN_PATTERNS:
            piece = _CLEAN_PATTERNS[c.type]
        elif c.optional:
            piece = _ANY_TEXT  # blank, or any text without a control character (codes: decided below)
        else:
            piece = _SOLID_TEXT  # at least one character that is not whitespace (codes: decided below)
        pieces.append(f"(?:{piece})?" if c.optional else f"(?:{piece})")
        conds = []
        if c.codes is not None and c.type == "code":
            conds.append(f"list_contains({_sql_list(c.codes)}, {r})")
        if c.codes is not None and c.type == "list":
            conds.append(f"list_has_all({_sql_list(c.codes)}, string_split({r}, ';'))")
        if c.type == "date":
            conds.append(f"try_cast({r} as date) between date '{MIN_DATE}' and date '{MAX_DATE}'")
        if c.type == "year":
            conds.append(f"try_cast({r} as integer) between {MIN_YEAR} and {MAX_YEAR}")
        if c.min is not None:
            conds.append(f"try_cast({r} as double) {'>' if c.min_exclusive else '>='} {c.min}")
        if c.max is not None:
            conds.append(f"try_cast({r} as double) <= {c.max}")
        if conds:
            cond = " and ".join(conds)
            extra.append(f"(coalesce({r}, '') = '' or ({cond}))" if c.optional else f"({cond})")
    joined = "concat(" + ", chr(31), ".join(prefix + ident(c.name) for c in spec.columns) + ")"
    pattern = _SEPARATOR.join(pieces)
    return " and ".join([f"regexp_full_match({joined}, {quote(pattern)})", *extra])


def checked_table_sql(
    spec: FileSpec,
    staging: str,
    checked: str,
    conflicts: list[str],
    field_limit: int | None = None,
    fast: bool = True,
) -> str:
    """SQL creating `checked` from `staging`: typed columns, `_copy`, `_rule` and `_column`.

    `conflicts` are the tables of key values held by more than one distinct row (see `run`). A value over
    `field_limit` bytes (`field_size`) is the first thing a row is charged with: nothing else is judged on
    a value that size. With `fast`, a row that `clean_row_expr` passes skips the per-column rules (the same
    verdicts, at a fraction of the cost: tests/test_load_clean_rows.py compares both on hostile values).
    """
    field_limit = field_limit or default_limits().field
    joins, dup_rules = [], []
    for i, (columns, table) in enumerate(zip((spec.key, *spec.unique), conflicts, strict=True)):
        on = " and ".join(f"k{i}.{ident(c)} = s.{ident(c)}" for c in columns)
        joins.append(f"left join {table} k{i} on {on}")
        dup_rules.append(f"case when k{i}.{ident(columns[0])} is not null then 'duplicate_key\t{columns[-1]}' end")
    size_rules = [
        f"case when strlen(s.{ident(c)}) > {int(field_limit)} then 'field_size\t{c}' end" for c in spec.column_names
    ]

    checks = [f"case when {ch.violation} then '{ch.rule}\t{ch.column}' end" for ch in spec.checks]
    raw_cols = ", ".join(f"s.{ident(c)}" for c in spec.column_names)
    free = [ident(c.name) for c in spec.columns if c.type != "id"]

    def row_has_control(prefix: str) -> str:  # one match over the row's values before any per-column match
        if not free:
            return "false"
        values = ", ".join(prefix + c for c in free)
        # values joined by a space: a CR ending one value and an LF starting the next are no CRLF pair
        return f"coalesce(regexp_matches(replace(concat_ws(' ', {values}), {CRLF}, ''), {CONTROL}), false)"

    if fast:
        # judged per column only when the clean-row test fails (then the control test runs on that row only)
        col_errors = [f"({error_expr(c, row_has_control(''))}) || '\t{c.name}'" for c in spec.columns]
        flag_sql = clean_row_expr(spec, "s.")
        local = f"case when _clean then null else coalesce({', '.join(col_errors)}) end"
    else:
        col_errors = [f"({error_expr(c)}) || '\t{c.name}'" for c in spec.columns]
        flag_sql = row_has_control("s.")
        local = f"coalesce({', '.join(col_errors)})"
    flag = "_clean" if fast else "_has_control"
    return f"""
    create or replace temp table {checked} as
    with marked as (
        select {raw_cols}, s._row, s._line, coalesce(d._copy, 1) as _copy,
               coalesce({", ".join(size_rules)}, {", ".join(dup_rules)}) as _dup_error,
               {flag_sql} as {flag}
        from {staging} s left join (select _row, _copy from copies_{checked}) d using (_row)
        {" ".join(joins)}
    ),
    typed as (
        select _row, _line, _copy,
               case when _copy = 1 then coalesce(_dup_error, {local}) end as _local_error,
               {_formula_like(spec)} as _neutralized,
               {", ".join(f"{typed_expr(c, '_clean' if fast else None)} as {ident(c.name)}" for c in spec.columns)}
        from marked
    ),
    judged as (
        select *, case when _copy = 1 then coalesce(_local_error{"".join(", " + c for c in checks)}) end
               as _error
        from typed
    )
    select * exclude (_local_error, _error),
           nullif(split_part(_error, '\t', 1), '') as _rule, nullif(split_part(_error, '\t', 2), '') as _column
    from judged
    """


def _formula_like(spec: FileSpec) -> str:
    """How many of the row's text values start like a spreadsheet formula (stored neutralized, with ')."""
    hits = [
        f"coalesce(left({ident(c.name)}, 1) in ({FORMULA_START}), false)::int" for c in spec.columns if c.type == "text"
    ]
    return " + ".join(hits) if hits else "0"


def _not_null(columns: tuple[str, ...], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return " and ".join(f"{prefix}{ident(c)} is not null" for c in columns)


def run(
    con: duckdb.DuckDBPyConnection, spec: FileSpec, staging: str, checked: str, limits: Limits | None = None
) -> None:
    """Check every row of `staging` into `checked` (docs/loading.md, steps 2-5).

    Exact duplicates share their key, so the costly whole-row comparison runs only on rows whose key
    occurs more than once: on a clean file that is no row at all.
    """
    key = ", ".join(ident(k) for k in spec.key)
    all_cols = ", ".join(ident(c) for c in spec.column_names)
    con.sql(f"""
        create or replace temp table copies_{checked} as
        with repeated as (
            select {key} from {staging} where {_not_null(spec.key)} group by all having count(*) > 1
        )
        select _row, {", ".join(f"s.{ident(k)}" for k in spec.key)},
               row_number() over (partition by {all_cols} order by _row) as _copy
        from {staging} s semi join repeated r on {" and ".join(f"r.{ident(k)} = s.{ident(k)}" for k in spec.key)}
    """)
    # A key held by more than one distinct row: only rows whose key repeats (all in copies_) can be one, so
    # this needs no second pass over the whole file.
    conflicts = [f"conflict0_{checked}"]
    con.sql(f"""
        create or replace temp table conflict0_{checked} as
        select {key} from copies_{checked} where _copy = 1 group by all having count(*) > 1
    """)
    for i, columns in enumerate(spec.unique, start=1):
        table = f"conflict{i}_{checked}"
        cols = ", ".join(ident(c) for c in columns)
        con.sql(f"""
            create or replace temp table {table} as
            select {cols} from {staging} s left join copies_{checked} d using (_row)
            where coalesce(d._copy, 1) = 1 and {_not_null(columns, "s")}
            group by all having count(*) > 1
        """)
        conflicts.append(table)
    con.sql(checked_table_sql(spec, staging, checked, conflicts, (limits or default_limits()).field))
