"""The Data Report's suppressed figures (dominance rule + complementary suppression under the LP audit).

A Python model because the rule and its linear-program audit live in anonymize/tables (data_report.py), shared
with the research releases; annual_report.suppressed_cells publishes this table under a contract.

By reporting year (macros/incremental/report_years.sql): each year's suppression depends on that year's figures
alone, so a build recomputes only the years loads touched since this model's last build (its watermark, kept by
the post_hook in the model's YAML) and carries the other years' rows over from the table it replaces. A table,
not dbt's incremental materialization: dbt-duckdb creates a Python model's increment as a temporary table on
another connection, where the insert cannot see it. A full refresh clears every watermark (on-run-start), so
every year is recomputed.
"""

import polars as pl


def model(dbt, session):
    dbt.config(materialized="table")
    seen = session.sql(
        "select coalesce(max(load_id), 0) from meta.build_watermarks where model = ?", params=[dbt.this.identifier]
    ).fetchall()[0][0]
    changes = dbt.ref("stg_pars__report_year_changes").filter(f"load_id > {int(seen)}")
    years = sorted({int(r[0]) for r in changes.project("report_year").fetchall()})
    dbt.ref("stg_pars__load_history")  # the post_hook's watermark reads it
    built = session.sql(
        "select count(*) from duckdb_tables() where database_name = current_database() and schema_name = ? "
        "and table_name = ?",
        params=[dbt.this.schema, dbt.this.identifier],
    ).fetchall()[0][0]
    table = f'"{dbt.this.schema}"."{dbt.this.identifier}"'
    if built and seen and not years:
        # no year touched since the last build (a build without a load, or loads of learner completions only):
        # every row stays, and the suppression code (scipy, the linear programs) is not even imported
        return session.sql(f"select * from {table}").pl()
    from anonymize.tables.data_report import SCHEMA, suppressed_cells

    in_years = f"report_year in ({', '.join(map(str, years)) or 'null'})"
    organization_types = [
        r[0] for r in dbt.ref("organization_types").order("sort_order").project("organization_type").fetchall()
    ]
    professions_list = [
        r[0] for r in dbt.ref("learner_professions").order("sort_order").project("profession").fetchall()
    ]
    counted = dbt.ref("int_annual_report__counted_activities")
    provider_years = dbt.ref("int_annual_report__provider_years")
    professions = dbt.ref("fct_activity_learner_professions").filter("is_counted")
    # One year at a time, and per provider and cell, not per activity: the rule reads each provider's total in a
    # cell (anonymize.tables.dominance.contributions takes rows at any level of detail), so DuckDB sums the year's
    # activities first. The measures are integers (hours in hundredths, rounded per activity half to even as
    # data_report does in polars), so the sums are exact in any order and the cells are those of the activity
    # rows; Python holds thousands of rows per year instead of millions (at 10x national volume the node peaked at
    # 2,951 MiB reading one year's activity rows, 829 MiB since: benchmarks/RESULTS-10x.md).
    cell = "report_year, accreditor_type, organization_type, activity_type, provider_id"
    hundredths = "sum(round_even(hours_of_instruction::double * 100, 0))::bigint"
    per_year = [
        suppressed_cells(
            counted.filter(f"report_year = {year}")
            .aggregate(
                f"{cell}, {hundredths} / 100.0 as hours_of_instruction, "
                "sum(physician_interactions)::bigint as physician_interactions, "
                "sum(other_learner_interactions)::bigint as other_learner_interactions",
                cell,
            )
            .pl(),
            provider_years.filter(f"report_year = {year}").pl(),
            professions.filter(f"report_year = {year}")
            .aggregate(
                "report_year, accreditor_type, profession, provider_id, sum(learner_count)::bigint as learner_count",
                "report_year, accreditor_type, profession, provider_id",
            )
            .pl(),
            organization_types,
            professions_list,
        )
        for year in years
    ]
    cells = pl.concat(per_year) if per_year else pl.DataFrame(schema=SCHEMA)
    if not built or not seen:
        return cells
    carried = session.sql(f"select * from {table} where not ({in_years})").pl().select(cells.columns).cast(cells.schema)
    return pl.concat([carried, cells])
