-- The organization types of spec section 3 (seed organization_types), in the order of the Data Report, for the
-- reports and dashboards, which read marts only.
with

    organization_types as (select * from {{ ref('organization_types') }}),

    typed as (
        select organization_type::varchar as organization_type, sort_order::integer as sort_order
        from organization_types
    )

select *
from typed
