-- Every loaded version of raw.activities, as the loader stored it, not ranked: the models incremental by activity
-- rank the versions of the activities a load changed (macros/incremental/activities.sql), which a filter on
-- stg_pars__activities (every key ranked first) would make slow. A view: no node in a build of an unchanged project.
with versions as (select * from {{ source('pars', 'activities') }}) select * from versions
