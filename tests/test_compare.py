"""`python -m warehouse.compare`: the row-for-row check of refactors (every mart, EXCEPT ALL both ways)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from warehouse.compare import compare, main


def test_a_warehouse_equals_its_copy_and_one_changed_row_is_found(built_warehouse, tmp_path, capsys):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(built_warehouse, copy)
    assert compare(built_warehouse, copy) == []

    con = duckdb.connect(str(copy))
    con.sql(
        "update annual_report.enterprise_size set activities = activities + 1 "
        "where report_year = (select min(report_year) from annual_report.enterprise_size) "
        "and accreditor_group = 'All'"
    )
    con.sql("create table review.extra as select 1 as x")
    con.close()
    capsys.readouterr()
    # the command prints one DIFF line per problem and exits 1 (run alone: a comparison reads every mart twice)
    assert main([str(built_warehouse), str(copy)]) == 1
    problems = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("same  ")]
    assert problems == [
        f"DIFF  review.extra: only in {copy}",
        "DIFF  annual_report.enterprise_size: 1 rows only before, 1 rows only after",
    ]


def test_the_comparison_runs_under_the_memory_cap_and_spills_beside_after(built_warehouse, tmp_path, monkeypatch):
    """At a decade the uncapped comparison held 18 GB and was killed: it now takes the commands' cap
    ($PARS_MEMORY_LIMIT here) and a private spill folder beside AFTER, removed at the end. What DuckDB itself
    reports as its settings on the comparison's connection is read right after they are applied."""
    from warehouse import compare as module

    copy = tmp_path / "copy.duckdb"
    shutil.copy(built_warehouse, copy)
    monkeypatch.setenv("PARS_MEMORY_LIMIT", "300MB")
    seen = []
    apply = module.resources.apply_settings

    def applied(con, settings):
        apply(con, settings)
        seen.append(con.sql("select current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0])

    monkeypatch.setattr(module.resources, "apply_settings", applied)
    assert compare(built_warehouse, copy) == []
    [(limit, spill)] = seen
    assert limit == "286.1 MiB"  # 300 MB as DuckDB prints it (its default here is 80% of the machine's memory)
    assert Path(spill).parent == tmp_path and not Path(spill).exists()
