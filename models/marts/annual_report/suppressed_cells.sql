-- The figures the public Data Report prints as "-": per report year, accreditor group, source mart, row and
-- column, whether the figure fails the dominance rule itself (fewer than 3 providers or one provider dominates)
-- or is suppressed so that such a figure cannot be derived from the table's totals. Computed in
-- int_annual_report__suppressed_cells (anonymize/tables/data_report.py); the marts keep every figure for staff.
with

    suppressed as (select * from {{ ref('int_annual_report__suppressed_cells') }}),

    final as (
        select
            report_year::integer as report_year,
            accreditor_group::varchar as accreditor_group,
            source_model::varchar as source_model,
            row_key::varchar as row_key,
            measure::varchar as measure,
            is_primary::boolean as is_primary,
            reason::varchar as reason
        from suppressed
    )

select *
from final
