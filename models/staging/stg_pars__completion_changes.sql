-- The learner completions each load can have changed, found once per build for every model and check that needs
-- them (fct_learner_completions, the MOC marts counted by year of completion, the completions' scoped checks and
-- the board_summary reconciliation: completions_changed_since in macros/incremental/build_watermarks.sql): one row
-- per load, changed completion, year of completion and activity. A load changes the completions it wrote a version
-- of (new content or a deletion: the years and activities of all their versions) and every completion with a
-- version naming an activity whose activity row, MOC registration or provider it wrote (the years of those
-- versions, and that activity).
-- A table in meta (build bookkeeping, outside the published marts), incremental by load: each build adds the rows
-- of the loads since its last build (from the versions loaded so far: a later version comes with a row of its own
-- load). A full build writes no completion: every incremental model is then rebuilt in full; it writes one row
-- (completion_id NULL) saying that the table holds the loads after `load_id`, and a model whose watermark is older
-- finds its completions again from stg_pars__record_changes.
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
{%- if is_incremental() %}
    with
        changes as (
            select * from {{ ref('stg_pars__record_changes') }} where load_id > {{ last_seen_load(this.name) }}
        ),

        -- the activities whose activity row, MOC registration or provider a load wrote (a provider's: every activity
        -- any raw version of which names it, a superset of its current ones: harmless, those are only recomputed)
        touched_activities as (
            select load_id, activity_id
            from changes
            where table_name in ('activities', 'activity_moc_registrations')
            union
            select changes.load_id, activities.activity_id
            from {{ source('pars', 'activities') }} as activities
            inner join changes on changes.table_name = 'providers' and changes.provider_id = activities.provider_id
        ),

        written as (
            select distinct load_id, record_key as completion_id from changes where table_name = 'learner_completions'
        ),

        -- one scan of the 20M raw versions for both: every version of a completion a load wrote (its years: a
        -- corrected date moves it, a deletion leaves its old year), and every version naming a touched activity
        -- (a superset is harmless: recomputed from the latest live version, or only deleted; its years: the fct row
        -- the activity's change can move is its latest version's, and a completion's later version is a change of
        -- its own, with every year)
        versions as (
            select completion_id, activity_id, year(completion_date) as completion_year
            from {{ source('pars', 'learner_completions') }}
            where
                activity_id in (select activity_id from touched_activities)
                or completion_id in (select completion_id from written)
        ),

        changed as (
            select written.load_id, versions.completion_id, versions.completion_year, versions.activity_id
            from versions
            inner join written using (completion_id)
            union
            select touched_activities.load_id, versions.completion_id, versions.completion_year, versions.activity_id
            from versions
            inner join touched_activities using (activity_id)
        )

    select
        load_id::integer as load_id,
        completion_id::varchar as completion_id,
        completion_year::integer as completion_year,
        activity_id::varchar as activity_id
    from changed
{%- else %}
    select
        coalesce(max(load_id), 0)::integer as load_id,
        null::varchar as completion_id,
        null::integer as completion_year,
        null::varchar as activity_id
    from {{ ref('stg_pars__load_history') }}
{%- endif %}
