"""`python -m warehouse.compare`: the row-for-row check of refactors (every mart, EXCEPT ALL both ways)."""

from __future__ import annotations

import shutil

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
