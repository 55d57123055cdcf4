-- Every loaded version of raw.activity_moc_registrations, as the loader stored it, not ranked: the models incremental
-- by activity
-- rank the versions of the activities a load changed (macros/incremental/activities.sql), which a filter on
-- stg_pars__activity_moc_registrations (every key ranked first) would make slow. A view: no node in a build of an
-- unchanged project.
with versions as (select * from {{ source('pars', 'activity_moc_registrations') }}) select * from versions
