"""`pars refresh EXPORT --db W`: `pars load` then `pars build` in one process, with the same results and messages."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.helpers import query, set_manifest
from tests.helpers.dbtwork import clear, dbt_work  # noqa: F401  (dbt_work: the shared fixture)
from warehouse.cli import main
from warehouse.compare import compare

#: The mart the selected build makes: the data operations page's, built from the loads and the review marts.
SHOWN = "operations_summary"


def test_refresh_gives_the_marts_of_a_load_then_a_build(built_warehouse, tmp_path, dbt_work):  # noqa: F811
    """built_warehouse is `load_export` then `build` of this export: the same marts, row for row.

    The build is a selected one (--select and --exclude pass through to it): the operations summary, which reads
    the loads, and what it is built from (28 of about 90 models: a whole build is tests/test_build.py's). The
    warehouse is the worker's dbt folder's (tests/helpers/dbtwork.py), where dbt's parse of the project is kept."""
    export = built_warehouse.parent / "export"
    db = clear(dbt_work)
    # the models alone (the data and unit tests passed in the shared build): the marts are what is compared
    args = ["refresh", str(export), "--db", str(db), "--report", str(tmp_path / "r.json"), "--select", f"+{SHOWN}"]
    out = CliRunner().invoke(main, [*args, "--exclude", "resource_type:test resource_type:unit_test"])
    assert out.exit_code == 0, out.output
    assert "load 1:" in out.output and "(full," in out.output  # the load's summary table ...
    assert "build of w.duckdb: published" in out.output and f"published {db}" in out.output  # ... then the build's
    assert out.output.index("load 1:") < out.output.index("build of w.duckdb")
    built = {name for (name,) in query(db, "select table_schema || '.' || table_name from information_schema.tables")}
    assert f"ops.{SHOWN}" in built and "core.fct_activities" in built
    assert not any(name.startswith("annual_report.") for name in built)  # the selection reached the build
    # every relation the selected build made is the same as in the whole build; the others are not there
    assert [p for p in compare(built_warehouse, db) if not p.endswith(f": only in {built_warehouse}")] == []
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["load"]["load_id"] == 1 and report["build"]["ok"] is True
    assert report["build"]["select"] == f"+{SHOWN}"


def test_a_refused_load_is_not_followed_by_a_build(export_copy, tmp_path):
    set_manifest(export_copy, format_version=2)
    db = tmp_path / "w.duckdb"
    load = CliRunner().invoke(main, ["load", str(export_copy), "--db", str(tmp_path / "other.duckdb")])
    out = CliRunner().invoke(main, ["refresh", str(export_copy), "--db", str(db)])
    assert out.exit_code == load.exit_code == 1
    assert out.output == load.output.replace("other.duckdb", "w.duckdb")  # the load's one-line refusal
    assert "the warehouse was not changed" in out.output and "Traceback" not in out.output
    assert "[build]" not in out.output and not db.with_name("w.duckdb.dbt").exists()
