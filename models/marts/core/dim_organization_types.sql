-- The organization types of spec section 3 (seed organization_types), in the order of the Data Report, for the
-- reports and dashboards, which read marts only. The seed's column_types give the types.
with organization_types as (select * from {{ ref('organization_types') }}) select * from organization_types
