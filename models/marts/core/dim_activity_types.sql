-- The thirteen activity types of spec section 3 (seed activity_types) with their labels and format group, for the
-- reports and dashboards, which read marts only. The seed's column_types give the types.
with activity_types as (select * from {{ ref('activity_types') }}) select * from activity_types
