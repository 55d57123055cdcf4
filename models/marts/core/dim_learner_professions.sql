-- The professions of other learners (seed learner_professions) in report order, for the reports and dashboards,
-- which read marts only.
with

    learner_professions as (select * from {{ ref('learner_professions') }}),

    typed as (select profession::varchar as profession, sort_order::integer as sort_order from learner_professions)

select *
from typed
