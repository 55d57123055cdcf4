-- The professions of other learners (seed learner_professions) in report order, for the reports and dashboards,
-- which read marts only. The seed's column_types give the types.
with learner_professions as (select * from {{ ref('learner_professions') }}) select * from learner_professions
