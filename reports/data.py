"""Read-only access to the published warehouse: marts as lists of dicts."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import duckdb

from warehouse import resources


class ReportError(Exception):
    """A report cannot be made (no warehouse, marts missing): the message says what and where."""


REQUIRED_SCHEMAS = ("annual_report", "review", "moc", "rems", "core")


class Warehouse:
    """A read-only connection to the published warehouse under DuckDB's memory cap (`memory_limit`: default
    $PARS_MEMORY_LIMIT, else 2GB; warehouse/resources.py), spilling to a private folder removed by `close`."""

    def __init__(self, db: Path, memory_limit: str | None = None):
        db = Path(db)
        try:
            resources.memory_limit(memory_limit)
        except resources.MemoryLimitError as exc:
            raise ReportError(str(exc)) from None
        if not db.is_file():
            raise ReportError(f"{db}: no such warehouse file (run `pars load` and `pars build` first)")
        self._spill = ExitStack()
        try:
            self.con = self._spill.enter_context(resources.read_only(db, memory_limit))
        except duckdb.Error as exc:
            self._spill.close()
            raise ReportError(f"{db}: cannot open the warehouse read-only: {exc}") from None
        schemas = {r[0] for r in self.con.sql("select schema_name from information_schema.schemata").fetchall()}
        missing = [s for s in REQUIRED_SCHEMAS if s not in schemas]
        if missing:
            self.close()
            raise ReportError(
                f"{db}: the marts are not built (schemas missing: {', '.join(missing)}); "
                "run `pars build --db ...` first"
            )
        self.path = db

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        rel = self.con.sql(sql, params=params)
        cols = rel.columns
        return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]

    def one(self, sql: str, params: list | None = None) -> dict | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def years(self) -> list[int]:
        return [
            r["report_year"]
            for r in self.rows("select distinct report_year from annual_report.enterprise_size order by 1")
        ]

    def exports(self) -> list[dict]:
        """The exports the data comes from (ops.load_history), oldest first."""
        return self.rows(
            "select load_id, export_id, export_kind, exported_at, reporting_years, loaded_at "
            "from ops.load_history order by load_id"
        )

    def data_as_of(self):
        row = self.one("select max(exported_at) as as_of from ops.load_history")
        return row["as_of"] if row else None

    def close(self) -> None:
        self._spill.close()  # closes the connection, then removes the spill folder

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
