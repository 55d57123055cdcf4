-- In enterprise_size, All equals ACCME + State + Joint for every measure of every year (a provider whose
-- accreditor_type is none of the three would break it). Every non-key column is a measure, so a new column is
-- checked without an edit. Returns the (year, measure) pairs that differ.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    measures as (
        select report_year, accreditor_group, measure, value
        from
            (
                select report_year, accreditor_group, columns(* exclude (report_year, accreditor_group))::decimal(38, 4)
                from enterprise_size
            )
            unpivot include nulls(value for measure in (columns(* exclude (report_year, accreditor_group))))
    ),

    compared as (
        select
            report_year,
            measure,
            sum(value) filter (where accreditor_group = 'All') as all_value,
            sum(value) filter (where accreditor_group in ('ACCME', 'State', 'Joint')) as sum_of_groups
        from measures
        group by report_year, measure
    ),

    failing as (select * from compared where all_value is distinct from sum_of_groups)

select *
from failing
