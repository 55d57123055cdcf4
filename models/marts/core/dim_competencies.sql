-- The competencies an activity can address (seed competencies), with name, framework and report order, for the
-- reports and dashboards, which read marts only. The seed's column_types give the types.
with competencies as (select * from {{ ref('competencies') }}) select * from competencies
