-- The learner completions each load can have changed, found once per build for every model and check that needs
-- them (fct_learner_completions, the MOC marts counted by year of completion, the completions' scoped checks:
-- macros/incremental/completion_changes.sql): one row per load, changed completion and year of completion of each
-- of its versions. A load changes the completions it wrote a version of (new content or a deletion), and every
-- completion (any version) of an activity whose activity row, MOC registration or provider it wrote.
-- A table in meta (build bookkeeping, outside the published marts), incremental by load: each build adds the rows
-- of the loads since its last build, the years from every version loaded so far (a later version comes with a row
-- of its own load). A full build writes no completion: the incremental models are then all rebuilt in full, and it
-- writes one row (completion_id NULL) saying that the loads after `load_id` are covered; a model whose watermark is
-- older finds its completions again from stg_pars__record_changes.
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
-- depends_on: {{ ref('stg_pars__activities') }}
-- depends_on: {{ ref('stg_pars__learner_completion_versions') }}
{%- if is_incremental() %}
    with
        changes as (
            select * from {{ ref('stg_pars__record_changes') }} where load_id > {{ last_seen_load(this.name) }}
        ),

        touched_activities as (
            select load_id, activity_id
            from changes
            where table_name in ('activities', 'activity_moc_registrations')
            union
            select changes.load_id, activities.activity_id
            from {{ ref('stg_pars__activities') }} as activities
            inner join changes on changes.table_name = 'providers' and changes.provider_id = activities.provider_id
        ),

        changed as (
            select load_id, record_key as completion_id
            from changes
            where table_name = 'learner_completions'
            union
            {#- any raw version naming a touched activity: a superset is harmless (recomputed from the latest live
                version, or only deleted) #}
            select touched_activities.load_id, versions.completion_id
            from {{ ref('stg_pars__learner_completion_versions') }} as versions
            inner join touched_activities using (activity_id)
        ),

        with_years as (
            select distinct changed.load_id, changed.completion_id, year(versions.completion_date) as completion_year
            from changed
            inner join {{ ref('stg_pars__learner_completion_versions') }} as versions using (completion_id)
        )

    select
        load_id::integer as load_id,
        completion_id::varchar as completion_id,
        completion_year::integer as completion_year
    from with_years
{%- else %}
    select
        coalesce(max(load_id), 0)::integer as load_id, null::varchar as completion_id, null::integer as completion_year
    from {{ ref('stg_pars__load_history') }}
{%- endif %}
