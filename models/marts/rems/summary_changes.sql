-- Change against the previous year of each measure of the REMS summary, in long form. The first year of the data
-- (or a year after a gap) has no previous year: NULL; a percent change from 0 is NULL.
with

    summary as (select * from {{ ref('summary') }}),

    measures as (
        select report_year, measure, value
        from
            (select report_year, columns(* exclude (report_year))::double from summary)
            unpivot include nulls(value for measure in (columns(* exclude (report_year))))
    ),

    compared as (
        select
            measures.report_year::integer as report_year,
            measures.measure::varchar as measure,
            measures.value::double as value,
            previous_year.value::double as previous_year_value,
            ((measures.value - previous_year.value) / nullif(abs(previous_year.value), 0) * 100)::double
            as percent_change
        from measures
        left join
            measures as previous_year
            on previous_year.report_year = measures.report_year - 1
            and previous_year.measure = measures.measure
    )

select *
from compared
