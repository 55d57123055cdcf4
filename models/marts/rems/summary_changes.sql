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

    compared as ({{ changes_from_previous_year("measures", []) }})

select *
from compared
