"""What a build reports: per-kind counts, the failures with their messages and failing rows, timings.

Two kinds of failure carry failing rows. A data test's rows come from re-running its SQL on the working copy;
a model's `checks` test (macros/generic_tests/checks.sql) names the check that failed in each row, and the
message counts the rows of each failed check. A contracted table's constraint violated at insert (NOT NULL or
CHECK, enforced by DuckDB) fails the model: the message names the model and the column, and the rows come from
re-running the model's SQL on the copy with each of its constraints turned into a check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

#: How dbt's resource types are named in the summary.
KINDS = {
    "model": "models",
    "seed": "seeds",
    "snapshot": "snapshots",
    "test": "data tests",
    "unit_test": "unit tests",
    "operation": "hooks",
}
#: Statuses that make a build fail (a test's "warn" does not).
FAILED = {"error", "fail", "runtime error"}
MAX_ROWS = 10


@dataclass
class NodeFailure:
    """One model, seed or test that failed: what, where, why, and for a data test its failing rows."""

    unique_id: str
    resource_type: str
    name: str
    path: str
    status: str
    message: str
    failures: int | None = None  # failing rows, as dbt counted them (data tests)
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # up to MAX_ROWS failing rows
    compiled_sql: str = ""
    #: (column, check, failing condition) of a model whose constraint failed at insert: how to find the rows
    constraint_checks: list[tuple[str, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "unique_id": self.unique_id,
            "resource_type": self.resource_type,
            "name": self.name,
            "path": self.path,
            "status": self.status,
            "message": self.message,
            "failures": self.failures,
            "columns": self.columns,
            "rows": [[str(v) for v in row] for row in self.rows],
        }


@dataclass
class BuildResult:
    """The outcome of `build()`: `ok` is true only when every node passed and the copy was published."""

    db: Path
    ok: bool
    published: bool
    counts: dict[str, dict[str, int]]  # kind -> status -> n
    failures: list[NodeFailure]
    seconds: float
    dbt_seconds: float = 0.0
    startup_seconds: float = 0.0  # dbt's share before the first node ran (import, parse, connect)
    copy_seconds: float = 0.0
    publish_seconds: float = 0.0
    full_refresh: bool = False
    select: str | None = None
    exclude: str | None = None
    error: str | None = None  # a problem outside any node (dbt could not parse, publishing failed ...)
    unit_tests_skipped: bool = False  # the project is unchanged since the unit tests last all passed here
    unchanged_skipped: bool = False  # the project is unchanged since every model last ran: views, seeds left out
    checks_since_load: int | None = None  # the data checks read only what loads after this one can have changed
    # the sources no load wrote since checks_since_load: what reads only them was neither rebuilt nor checked
    untouched_sources: list[str] = field(default_factory=list)

    def count(self, kind: str, status: str | None = None) -> int:
        by_status = self.counts.get(kind, {})
        return sum(by_status.values()) if status is None else by_status.get(status, 0)

    def as_dict(self) -> dict:
        return {
            "db": str(self.db),
            "ok": self.ok,
            "published": self.published,
            "counts": self.counts,
            "failures": [f.as_dict() for f in self.failures],
            "seconds": round(self.seconds, 3),
            "dbt_seconds": round(self.dbt_seconds, 3),
            "startup_seconds": round(self.startup_seconds, 3),
            "copy_seconds": round(self.copy_seconds, 3),
            "publish_seconds": round(self.publish_seconds, 3),
            "full_refresh": self.full_refresh,
            "select": self.select,
            "exclude": self.exclude,
            "unit_tests_skipped": self.unit_tests_skipped,
            "unchanged_skipped": self.unchanged_skipped,
            "checks_since_load": self.checks_since_load,
            "untouched_sources": self.untouched_sources,
            "error": self.error,
        }


def tally(run_results) -> tuple[dict[str, dict[str, int]], list[NodeFailure]]:
    """Counts per kind and status, and the failed nodes, from dbt's RunExecutionResult."""
    counts: dict[str, dict[str, int]] = {}
    failures = []
    for r in getattr(run_results, "results", None) or []:
        node = r.node
        kind = str(node.resource_type)
        status = str(r.status)
        by_status = counts.setdefault(kind, {})
        by_status[status] = by_status.get(status, 0) + 1
        if status in FAILED:
            failure = NodeFailure(
                unique_id=node.unique_id,
                resource_type=kind,
                name=node.name,
                path=getattr(node, "original_file_path", "") or "",
                status=status,
                message=(r.message or "").strip(),
                failures=r.failures,
                compiled_sql=(getattr(node, "compiled_code", None) or "") if kind == "test" else "",
            )
            if kind == "model" and "Constraint Error" in failure.message:
                _explain_constraint(failure, node)
            failures.append(failure)
    return counts, failures


_NOT_NULL = re.compile(r"NOT NULL constraint failed: (?:\S+\.)?(\w+)")
_CHECK = re.compile(r"CHECK constraint failed on table \S+ with expression CHECK\((.*)\)\s*$", re.MULTILINE)


def _constraints(node) -> list[tuple[str, str, str]]:
    """(column, check, failing condition) of each NOT NULL and CHECK constraint of a model's columns."""
    found = []
    for column in (getattr(node, "columns", None) or {}).values():
        for constraint in getattr(column, "constraints", None) or []:
            kind = str(getattr(constraint.type, "value", constraint.type))
            if kind == "not_null":
                found.append((column.name, f"not_null({column.name})", f"{column.name} is null"))
            elif kind == "check" and constraint.expression:
                found.append((column.name, f"check({constraint.expression})", f"not ({constraint.expression})"))
    return found


def _squeeze(sql: str) -> str:
    return re.sub(r"[\s()]", "", sql).lower()


def _explain_constraint(failure: NodeFailure, node) -> None:
    """Put first a line naming the model and the column whose constraint failed at insert (DuckDB names the
    temporary relation and, for a CHECK, only the expression), and keep what is needed to find the rows."""
    constraints = _constraints(node)
    column = None
    if match := _NOT_NULL.search(failure.message):
        column, rule = match.group(1), "is NULL in some row but must not be (not_null constraint)"
    elif match := _CHECK.search(failure.message):
        said = _squeeze(match.group(1))
        column = next((c for c, check, _ in constraints if _squeeze(check[len("check") :]) == said), None)
        rule = f"breaks its check constraint {match.group(1).strip()} in some row"
    if column:
        headline = f"constraint violated building model {failure.name}: column {column} {rule}"
    else:
        headline = f"constraint violated building model {failure.name}"
    failure.message = f"{headline}; nothing was inserted\n{failure.message}"
    if constraints:  # NOT NULL and CHECK: their rows can be found (a key constraint's cannot, here)
        failure.compiled_sql = getattr(node, "compiled_code", None) or ""
        failure.constraint_checks = constraints


def add_failing_rows(copy: Path, failures: list[NodeFailure]) -> None:
    """Re-run each failed data test's compiled SQL (or a failed constraint's model SQL) on the working copy
    (before it is deleted)."""
    todo = [f for f in failures if f.compiled_sql and (f.status == "fail" or f.constraint_checks)]
    if not todo:
        return
    try:
        con = duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as exc:
        for f in todo:
            f.message += f"\n(failing rows unavailable: {exc})"
        return
    try:
        for f in todo:
            sql = f.compiled_sql.strip().rstrip(";")
            try:
                if f.constraint_checks:
                    sql = _constraint_rows_sql(sql, f.constraint_checks)
                rel = con.sql(f"select * from (\n{sql}\n) as failing limit 0")
                if "failed_check" in rel.columns:
                    _rows_per_check(con, sql, f)
                else:
                    rel = con.sql(f"select * from (\n{sql}\n) as failing limit {MAX_ROWS}")
                    f.columns = list(rel.columns)
                    f.rows = rel.fetchall()
            except duckdb.Error as exc:
                f.message += f"\n(failing rows unavailable: {exc})"
    finally:
        con.close()


def _constraint_rows_sql(model_sql: str, checks: list[tuple[str, str, str]]) -> str:
    """The rows of the model's result that break a constraint: the check, the column's value and the row (JSON,
    cut at 300 characters), in one scan."""
    cases = ",\n".join(
        f"case when {condition} then {{'failed_check': {_quote(check)}, 'failing_value': {column}::varchar}} end"
        for column, check, condition in checks
    )
    conditions = " or ".join(f"({condition})" for _, _, condition in checks)
    return (
        "select failure.failed_check, failure.failing_value, left(to_json(model)::varchar, 300) as row from (\n"
        f"select unnest([{cases}]) as failure, model from (\n{model_sql}\n) as model where {conditions}\n"
        ") as flagged where failure is not null"
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rows_per_check(con: duckdb.DuckDBPyConnection, sql: str, failure: NodeFailure) -> None:
    """Rows of a `checks` test (or of failed constraints): the first rows of every failed check, not only of the
    first one, and a count per check in the message (the rule is named even when its rows are not shown)."""
    rel = con.sql(
        f"select *, count(*) over (partition by failed_check) as check_rows from (\n{sql}\n) as failing "
        f"qualify row_number() over (partition by failed_check) <= {MAX_ROWS}"
    )
    columns = [c for c in rel.columns if c != "check_rows"]
    by_check: dict[str, list[tuple]] = {}
    totals: dict[str, int] = {}
    for row in rel.fetchall():
        by_check.setdefault(row[0], []).append(row[:-1])
        totals[row[0]] = row[-1]
    rows = []
    while len(rows) < MAX_ROWS and any(by_check.values()):  # round robin over the failed checks
        for check in sorted(by_check):
            if by_check[check] and len(rows) < MAX_ROWS:
                rows.append(by_check[check].pop(0))
    failure.columns, failure.rows = columns, rows
    if failure.failures is None:
        failure.failures = sum(totals.values())
    if totals:
        failure.message += "\nfailed checks: " + "; ".join(f"{c}: {n:,} row(s)" for c, n in sorted(totals.items()))
