"""What a build reports: per-kind counts, the failures with their messages and failing rows, timings."""

from __future__ import annotations

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
            failures.append(
                NodeFailure(
                    unique_id=node.unique_id,
                    resource_type=kind,
                    name=node.name,
                    path=getattr(node, "original_file_path", "") or "",
                    status=status,
                    message=(r.message or "").strip(),
                    failures=r.failures,
                    compiled_sql=(getattr(node, "compiled_code", None) or "") if kind == "test" else "",
                )
            )
    return counts, failures


def add_failing_rows(copy: Path, failures: list[NodeFailure]) -> None:
    """Re-run each failed data test's compiled SQL on the working copy (before it is deleted)."""
    todo = [f for f in failures if f.compiled_sql and f.status == "fail"]
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
                rel = con.sql(f"select * from (\n{sql}\n) as failing limit {MAX_ROWS}")
                f.columns = list(rel.columns)
                f.rows = rel.fetchall()
            except duckdb.Error as exc:
                f.message += f"\n(failing rows unavailable: {exc})"
    finally:
        con.close()
