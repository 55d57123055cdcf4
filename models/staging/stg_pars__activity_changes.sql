-- The activities each load changed, found once per build for every model and check incremental by activity
-- (int_activity_children_summarized, int_activities_base, the five fct_activity_* and their checks:
-- macros/incremental/activities.sql): one row per load and activity. A load changes an activity when it writes a
-- version (new content or a deletion) of the activity's row or of one of its child records, or of its provider
-- (whose attributes int_activities_base joins in): every activity any raw version of which names the provider, so
-- an activity moved to another provider is recomputed by the load that moved it (its row) and by later loads that
-- write either provider. Nothing else those models read changes with a load.
-- A table in meta (build bookkeeping, outside the published marts), incremental by load: each build adds the rows
-- of the loads since its last build. A full build writes no activity: every incremental model is then rebuilt in
-- full; it writes one row (activity_id NULL) saying that the table holds the loads after `load_id`, and a model
-- whose watermark is older finds its activities again from the raw versions.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        schema='meta',
        post_hook="{{ remember_seen_load(this.name) }}",
    )
}}
-- depends_on: {{ ref('stg_pars__load_history') }}
-- depends_on: {{ ref('stg_pars__record_changes') }}
-- depends_on: {{ ref('stg_pars__activity_versions') }}
-- depends_on: {{ ref('stg_pars__activity_commercial_supporter_versions') }}
-- depends_on: {{ ref('stg_pars__activity_joint_provider_versions') }}
-- depends_on: {{ ref('stg_pars__activity_moc_registration_versions') }}
-- depends_on: {{ ref('stg_pars__activity_rems_versions') }}
-- depends_on: {{ ref('stg_pars__activity_learner_profession_versions') }}
{%- if is_incremental() %}
    with changed as ({{ activities_changed_by_loads_after(last_seen_load(this.name), ref) }})
    select distinct load_id::integer as load_id, activity_id::varchar as activity_id
    from changed
    where activity_id is not null
{%- else %}
    select coalesce(max(load_id), 0)::integer as load_id, null::varchar as activity_id
    from {{ ref('stg_pars__load_history') }}
{%- endif %}
