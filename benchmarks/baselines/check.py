"""Check a baseline's tables against the published marts before any of its times is reported.

Every row of `annual_report.enterprise_size` and `annual_report.activity_matrix` must appear in the baseline's
CSV with the same key, and nothing else: counts exactly equal, money and hours within 1e-6 or 1e-12 of the value,
whichever is larger (float sums in pandas and SQLite carry rounding in the last bits: a decade's $3 billion income
total is off by ~3e-6 in a float sum; Decimal sums in DuckDB and polars are exact).
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

TABLES = {
    "enterprise_size": ["report_year", "accreditor_group"],
    "activity_matrix": ["report_year", "accreditor_group", "organization_type", "activity_type"],
}
TOLERANCE = Decimal("1e-6")
RELATIVE = Decimal("1e-12")


class BaselineMismatch(Exception):
    """A baseline's numbers differ from the marts: its times must not be reported."""


def _kind(duckdb_type: str) -> str:
    if "DECIMAL" in duckdb_type or "DOUBLE" in duckdb_type:
        return "decimal"
    return "integer" if "INT" in duckdb_type else "text"


def mart_rows(db: Path, table: str) -> tuple[list[str], dict[str, str], list[tuple]]:
    """Columns, {column: text|integer|decimal}, rows of annual_report.<table> in the published warehouse."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rel = con.sql(f"select * from annual_report.{table}")
        kinds = {c: _kind(str(t)) for c, t in zip(rel.columns, rel.types, strict=True)}
        return rel.columns, kinds, rel.fetchall()
    finally:
        con.close()


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def compare(db: Path, out_dir: Path, name: str) -> list[str]:
    """Every difference between baseline `name`'s CSVs in `out_dir` and the marts, as readable lines."""
    problems: list[str] = []
    for table, key in TABLES.items():
        columns, kinds, rows = mart_rows(db, table)
        path = out_dir / f"{table}.csv"
        if not path.exists():
            problems.append(f"{name}: {table}: no output file {path}")
            continue
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if list(reader.fieldnames or []) != columns:
                problems.append(f"{name}: {table}: columns {reader.fieldnames} differ from the mart's {columns}")
                continue
            theirs = {}
            for row in reader:
                k = tuple(str(int(_number(row[c]))) if kinds[c] == "integer" else row[c] for c in key)
                if k in theirs:
                    problems.append(f"{name}: {table}: key {dict(zip(key, k, strict=True))} appears twice")
                theirs[k] = row
        for mart in rows:
            values = dict(zip(columns, mart, strict=True))
            k = tuple(str(values[c]) for c in key)
            where = f"{name}: {table}: key {dict(zip(key, k, strict=True))}"
            row = theirs.pop(k, None)
            if row is None:
                problems.append(f"{where} missing")
                continue
            for c in columns:
                if c in key:
                    continue
                try:
                    got = _number(row[c])
                except ValueError as exc:
                    problems.append(f"{where} column {c}: {exc}")
                    continue
                want = Decimal(values[c])
                if kinds[c] == "integer" and got != got.to_integral_value():
                    problems.append(f"{where} column {c}: baseline {row[c]} is not a whole count")
                elif got != want if kinds[c] == "integer" else abs(got - want) > max(TOLERANCE, RELATIVE * abs(want)):
                    problems.append(f"{where} column {c}: baseline {row[c]}, mart {values[c]}")
        for k in theirs:
            problems.append(f"{name}: {table}: key {dict(zip(key, k, strict=True))} is not in the mart")
    return problems
