-- The thirteen activity types of spec section 3 (seed activity_types) with their labels and format group, for the
-- reports and dashboards, which read marts only.
with

    activity_types as (select * from {{ ref('activity_types') }}),

    typed as (
        select
            activity_type::varchar as activity_type,
            activity_type_name::varchar as activity_type_name,
            activity_format_group::varchar as activity_format_group,
            first_report_year::integer as first_report_year,
            sort_order::integer as sort_order
        from activity_types
    )

select *
from typed
