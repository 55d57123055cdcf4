-- The competencies an activity can address (seed competencies), with name, framework and report order, for the
-- reports and dashboards, which read marts only.
with

    competencies as (select * from {{ ref('competencies') }}),

    typed as (
        select
            competency_code::varchar as competency_code,
            competency_name::varchar as competency_name,
            competency_framework::varchar as competency_framework,
            sort_order::integer as sort_order
        from competencies
    )

select *
from typed
