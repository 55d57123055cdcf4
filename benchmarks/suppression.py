"""The Data Report's cell suppression (the dbt Python model `int_annual_report__suppressed_cells`) outside dbt.

    python -m benchmarks.suppression --db W.duckdb [--profile 25]

Reads the model's inputs from a built warehouse (read-only), runs `anonymize.tables.data_report.suppressed_cells`
over every report year, and prints JSON: CPU and wall seconds, the LPs solved and the rows found (which must equal
`annual_report.suppressed_cells`: checked, `same_as_mart`). CPU seconds and LP counts are what load does not
distort; `--profile N` also prints cProfile's top N functions by cumulative time (to stderr).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time

import duckdb

from anonymize.tables.data_report import suppressed_cells
from anonymize.tables.linear_audit import Auditor


def inputs(con: duckdb.DuckDBPyConnection) -> tuple:
    """The model's inputs, as it reads them (every year)."""
    activities = con.sql(
        "select report_year, accreditor_type, organization_type, activity_type, provider_id, hours_of_instruction, "
        "physician_interactions, other_learner_interactions from intermediate.int_annual_report__counted_activities"
    ).pl()
    provider_years = con.sql("select * from intermediate.int_annual_report__provider_years").pl()
    professions = con.sql(
        "select report_year, accreditor_type, profession, provider_id, learner_count "
        "from core.fct_activity_learner_professions where is_counted"
    ).pl()
    organization_types = [
        r[0] for r in con.sql("select organization_type from organization_types order by sort_order").fetchall()
    ]
    names = [r[0] for r in con.sql("select profession from learner_professions order by sort_order").fetchall()]
    return activities, provider_years, professions, organization_types, names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a built warehouse (read only)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N functions")
    args = parser.parse_args(argv)
    con = duckdb.connect(args.db, read_only=True)
    data = inputs(con)
    solves = [0]
    solve = Auditor._solve

    def counted(self, *a):
        solves[0] += 1
        return solve(self, *a)

    Auditor._solve = counted
    profiler = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    cells = suppressed_cells(*data)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    Auditor._solve = solve
    mart = con.sql("select * from annual_report.suppressed_cells").pl()
    keys = ["report_year", "accreditor_group", "source_model", "row_key", "measure"]
    same = mart.select(cells.columns).sort(keys).equals(cells.sort(keys))
    result = {
        "db": args.db,
        "years": sorted(set(data[0]["report_year"].to_list())),
        "cpu_seconds": round(cpu, 2),
        "wall_seconds": round(wall, 2),
        "lp_solves": solves[0],
        "rows": cells.height,
        "same_as_mart": same,
    }
    print(json.dumps(result, indent=2))
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
