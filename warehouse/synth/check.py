"""A reference validator: classify every row of an export by docs/loading.md, from the contract alone.

Independent of the generator's own bookkeeping (it re-reads the CSV text and derives every rule from
`warehouse.contract`: column types, code lists, `Check.violation` SQL, references, cross-file checks),
so tests can assert that clean exports pass and that `expected.json` matches. It is a test oracle for
small exports (it parses CSV in Python), not the loader.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.contract import CROSS_FILE_CHECKS, FILES, MAX_DATE, MAX_YEAR, MIN_DATE, MIN_YEAR, Column, FileSpec


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + "]"


def _column_rule(col: Column) -> str:
    """SQL giving the first failing column rule of one raw value (NULL when it passes)."""
    v = _q(col.name)
    empty = f"regexp_full_match({v}, '\\s*')"
    checks: list[tuple[str, str]] = []
    if col.type == "id":
        checks.append(("id_format", f"length({v}) > 40 or regexp_matches({v}, '^\\s|\\s$')"))
    elif col.type == "date":
        checks.append(
            (
                "invalid_date",
                f"not regexp_full_match({v}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') or try_strptime({v}, '%Y-%m-%d') is null",
            )
        )
        checks.append(("date_out_of_range", f"{v} < '{MIN_DATE}' or {v} > '{MAX_DATE}'"))
    elif col.type == "year":
        checks.append(("invalid_year", f"not regexp_full_match({v}, '\\d{{4}}')"))
        checks.append(("date_out_of_range", f"try_cast({v} as integer) not between {MIN_YEAR} and {MAX_YEAR}"))
    elif col.type == "bool":
        checks.append(("invalid_bool", f"{v} not in ('Yes', 'No')"))
    elif col.type in ("int", "decimal", "money"):
        pattern = {"int": "-?\\d+", "decimal": "-?\\d+(\\.\\d+)?", "money": "-?\\d+(\\.\\d{1,2})?"}[col.type]
        checks.append((f"invalid_{col.type}", f"not regexp_full_match({v}, '{pattern}')"))
    elif col.type == "code" and col.codes is not None:
        checks.append(("unknown_code", f"not list_contains({_lit(col.codes)}, {v})"))
    elif col.type == "list" and col.codes is not None:
        checks.append(("unknown_code", f"not list_has_all({_lit(col.codes)}, string_split({v}, ';'))"))
    if col.type in ("int", "decimal", "money") and (col.min is not None or col.max is not None):
        num = f"try_cast({v} as double)"
        bad = []
        if col.min is not None:
            bad.append(f"{num} {'<=' if col.min_exclusive else '<'} {col.min}")
        if col.max is not None:
            bad.append(f"{num} > {col.max}")
        checks.append(("out_of_range", " or ".join(bad)))
    when = "".join(f" when {cond} then '{rule}'" for rule, cond in checks)
    head = f"when {empty} then 'required'" if not col.optional else f"when {empty} then null"
    return f"(case {head}{when} end)"


def _typed(col: Column) -> str:
    v = _q(col.name)
    cast = {
        "date": f"cast(try_strptime({v}, '%Y-%m-%d') as date)",
        "year": f"try_cast({v} as bigint)",
        "int": f"try_cast({v} as bigint)",
        "decimal": f"try_cast({v} as double)",
        "money": f"try_cast({v} as double)",
        "bool": f"({v} = 'Yes')",
        "list": f"string_split({v}, ';')",
    }.get(col.type, v)
    return f"(case when regexp_full_match({v}, '\\s*') then null else {cast} end) as {v}"


def _read(path: Path, spec: FileSpec) -> tuple[pa.Table, int]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader]
    good = [r for r in rows if len(r) == len(header)]
    columns = {name: [r[i] for r in good] for i, name in enumerate(header)}
    columns["_i"] = list(range(len(good)))
    table = pa.table({name: columns[name] for name in (*spec.column_names, "_i")})
    return table, len(rows) - len(good)


def classify(export: Path) -> dict[str, dict]:
    """Per file: read, loaded, quarantined by rule, duplicates, as docs/loading.md defines them."""
    con = duckdb.connect()
    out: dict[str, dict] = {}
    for spec in FILES:
        table, bad_fields = _read(Path(export) / f"{spec.name}.csv", spec)
        con.register(f"raw_{spec.name}", table)
        out[f"{spec.name}.csv"] = _classify_file(con, spec, bad_fields)
    con.close()
    return out


def _classify_file(con: duckdb.DuckDBPyConnection, spec: FileSpec, bad_fields: int) -> dict:
    name = spec.name
    cols = ", ".join(_q(c) for c in spec.column_names)
    key = ", ".join(_q(c) for c in spec.key)
    con.sql(f"""create or replace table s_{name} as
        select *, row_number() over (partition by {cols} order by _i) > 1 as _dup from raw_{name}""")
    con.sql(f"""create or replace table k_{name} as select *,
        (not _dup and count(*) over (partition by _dup, {key}) > 1) as _dk from s_{name}""")
    for unique in spec.unique:
        part = ", ".join(_q(c) for c in unique)
        con.sql(f"""create or replace table k_{name} as select * exclude (_dk), _dk or (not _dup and not _dk
            and count(*) over (partition by _dup, _dk, {part}) > 1) as _dk from k_{name}""")
    column_rule = "coalesce(" + ", ".join(_column_rule(c) for c in spec.columns) + ", null)"
    con.sql(f"create or replace table c_{name} as select *, {column_rule} as _col from k_{name}")
    typed = ", ".join(_typed(c) for c in spec.columns)
    con.sql(f"create or replace table t_{name} as select _i, {typed} from c_{name} where _col is null and not _dup")
    row_rule = (
        "coalesce("
        + "".join(f"case when coalesce({chk.violation}, false) then '{chk.rule}' end, " for chk in spec.checks)
        + "null)"
    )
    con.sql(f"create or replace table r_{name} as select _i, {row_rule} as _row from t_{name}")
    ref_rules = []
    for ref in spec.references:
        on = " and ".join(f"p.{_q(pc)} = c.{_q(cc)}" for cc, pc in zip(ref.columns, ref.parent_columns, strict=True))
        ok = f"exists (select 1 from keys_{ref.parent} p where p._ok and {on})"
        quarantined = f"exists (select 1 from keys_{ref.parent} p where not p._ok and {on})"
        ref_rules.append(
            f"case when {ok} then null when {quarantined} then 'parent_rejected' else 'unknown_reference' end"
        )
    ref_rule = "coalesce(" + ", ".join(ref_rules) + ", null)" if ref_rules else "null"
    cross = CROSS_FILE_CHECKS.get(name)
    cross_rule = "null"
    if cross:
        rule, _, violation = cross
        cross_rule = (
            f"(select case when coalesce({violation}, false) then '{rule}' end from t_{name} t"
            f" join t_activities a on a.activity_id = t.activity_id"
            f" join keys_activities ka on ka.activity_id = a.activity_id and ka._ok"
            f" where t._i = c._i)"
        )
    con.sql(f"""create or replace table o_{name} as
        select c.*, case when c._dup then 'duplicate' when c._dk then 'duplicate_key'
                         when c._col is not null then c._col
                         else coalesce(r._row, {ref_rule}, {cross_rule}, 'loaded') end as _rule
        from c_{name} c left join r_{name} r using (_i)""")
    con.sql(f"""create or replace table keys_{name} as
        select distinct {key}, _rule = 'loaded' as _ok from o_{name} where _rule <> 'duplicate'""")
    counts = dict(con.sql(f"select _rule, count(*) from o_{name} group by _rule").fetchall())
    duplicates = counts.pop("duplicate", 0)
    loaded = counts.pop("loaded", 0)
    if bad_fields:
        counts["field_count"] = bad_fields
    read = loaded + duplicates + sum(counts.values())
    return {"read": read, "loaded": loaded, "quarantined": dict(sorted(counts.items())), "duplicates": duplicates}


def failures(export: Path, limit: int = 20) -> dict[str, list[tuple]]:
    """A few failing rows per file (for debugging a clean export that does not pass)."""
    con = duckdb.connect()
    out = {}
    for spec in FILES:
        table, _ = _read(Path(export) / f"{spec.name}.csv", spec)
        con.register(f"raw_{spec.name}", table)
        _classify_file(con, spec, 0)
        rows = con.sql(
            f"select _rule, * exclude (_dup, _dk, _col, _rule) from o_{spec.name} where _rule <> 'loaded' limit {limit}"
        ).fetchall()
        if rows:
            out[spec.name] = rows
    con.close()
    return out
