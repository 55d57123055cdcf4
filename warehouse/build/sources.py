"""Which of the project's sources loads wrote since a load: a whole build leaves out what reads only the others.

The raw layer is append-only (`pars load` inserts; nothing updates or deletes a raw row): every row carries the
load that wrote it (`_load_id`, or `load_id` in raw.load_history and raw.quarantine). So a source with no row of
a load after the last one every data test passed through (meta.checks_passed, check_scope.py) holds exactly
what it held then; a model or data test whose every source is such a source would rebuild the same rows from
the same inputs (the project is unchanged: runner.py applies this only then) and check them again. The build
selects instead what descends from the sources that loads wrote (`source:<name>.<table>+`), and the tables that
keep what each load changed (CHANGE_LOGS), which every later build reads.

The sources are read from the project's own YAML (`sources:` in its model paths); a source whose table is not in
the warehouse, or has no load column, counts as written (the build then does not leave its readers out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from ..db import ident

#: The columns naming the load that wrote a raw row, in the order tried.
LOAD_COLUMNS = ("_load_id", "load_id")
#: Names that go into dbt's selection syntax as they are (anything else turns the feature off for the build).
PLAIN = re.compile(r"^[A-Za-z0-9_]+$")
#: A top-level `sources:` key (quoted or not): only the files that have one are parsed.
SOURCES_KEY = re.compile(r"""^['"]?sources['"]?\s*:""", re.MULTILINE)


def _yaml(text: str):
    """YAML through libyaml when PyYAML has it (about ten times faster than the pure-Python parser)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@dataclass(frozen=True)
class Source:
    """One table of a dbt source: its name in the project and where it lives in the warehouse."""

    source: str  # the source's name (`source('pars', ...)`)
    name: str  # the table's name in the project
    schema: str
    identifier: str

    @property
    def selector(self) -> str:
        """This source and everything that reads it, in dbt's selection syntax."""
        return f"source:{self.source}.{self.name}+"


def project_sources(project_dir: Path) -> list[Source] | None:
    """Every source table the project declares, or None when one cannot be named plainly in a selection."""
    config = _yaml((project_dir / "dbt_project.yml").read_text()) or {}
    found: list[Source] = []
    for folder in config.get("model-paths", ["models"]):
        for path in sorted((project_dir / folder).rglob("*.y*ml")):
            text = path.read_text()
            if not SOURCES_KEY.search(text):  # most files document models: parsing them all took about 1 s
                continue
            doc = _yaml(text) or {}
            for source in doc.get("sources") or []:
                for table in source.get("tables") or []:
                    found.append(
                        Source(
                            source=source["name"],
                            name=table["name"],
                            schema=table.get("schema") or source.get("schema") or source["name"],
                            identifier=table.get("identifier") or table["name"],
                        )
                    )
    if not all(PLAIN.match(s.source) and PLAIN.match(s.name) for s in found):
        return None
    return found


def written_since(db: Path, since: int, sources: list[Source]) -> list[Source]:
    """The sources that a load after `since` wrote a row into (or that cannot be told: see the module)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns: dict[tuple[str, str], set[str]] = {}
        for schema, table, column in con.sql(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database()"
        ).fetchall():
            columns.setdefault((schema, table), set()).add(column)
        written = []
        for source in sources:
            have = columns.get((source.schema, source.identifier), set())
            column = next((c for c in LOAD_COLUMNS if c in have), None)
            if column is None:
                written.append(source)
                continue
            relation = f"{ident(source.schema)}.{ident(source.identifier)}"
            # raw grows in load order: the filter reads the newest row groups only
            query = f"select exists (select 1 from {relation} where {ident(column)} > ?)"
            if con.sql(query, params=[since]).fetchall()[0][0]:
                written.append(source)
        return written
    finally:
        con.close()
