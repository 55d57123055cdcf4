-- The reporting years each load touched: one row per load and reporting year whose published figures a raw
-- version written by that load (new content or a deletion) can change. Year-partitioned incremental models
-- (macros/incremental/report_years.sql) rebuild the years touched since their last build. A load touches:
-- - every reporting year an activity ever had (all its versions: an activity moved to another year, or
-- deleted, touches its old year too) when it writes the activity or one of its child records;
-- - every year of a provider's activities and program summaries when it writes the provider;
-- - a program summary's reporting year;
-- - every year from a decision's year on when it writes an accreditation decision or finding (a decision
-- sets the status at every later year end).
-- Learner completions touch no year: no year-partitioned model reads them (fct_learner_completions is incremental
-- by completion instead); a year-partitioned model that did would need them here (the replay test would fail).
-- raw grows in load order, so a filter on load_id reads only the newest row groups of each raw table.
-- A table, incremental by load: each build adds the rows of the loads since its last build (their years from
-- every version loaded so far). Every year-partitioned model reads it twice per build; as a view, each read
-- evaluated it again (2.4-2.7 s at a decade under load, most of it the distinct activity versions).
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook="{{ remember_seen_load(this.name) }}",
    )
}}
-- depends_on: {{ ref('stg_pars__load_history') }}
{%- set new_loads -%}
    {%- if is_incremental() %} where _load_id > {{ last_seen_load(this.name) }} {%- endif -%}
{%- endset %}
with

    summary_years as (
        select distinct provider_id, reporting_year as report_year from {{ source('pars', 'program_summaries') }}
    ),

    changed_activities as (
        select _load_id as load_id, activity_id
        from {{ source('pars', 'activities') }} {{ new_loads }}
        {%- for child in activity_child_tables() %}
            union
            select _load_id, activity_id
            from {{ source('pars', child) }} {{ new_loads }}
        {%- endfor %}
    ),

    changed_providers as (
        select _load_id as load_id, provider_id from {{ source('pars', 'providers') }} {{ new_loads }}
    ),

    -- the reporting years of every version of the activities these loads wrote or whose provider they wrote (read
    -- for those alone: the distinct versions of all activities were most of this model's time at a decade)
    activity_versions as (
        select distinct activity_id, provider_id, reporting_year as report_year
        from {{ source('pars', 'activities') }}
        where
            reporting_year is not null
            and (
                activity_id in (select activity_id from changed_activities)
                or provider_id in (select provider_id from changed_providers)
            )
    ),

    changed_decisions as (
        select _load_id as load_id, decision_id
        from {{ source('pars', 'accreditation_decisions') }} {{ new_loads }}
        union
        select _load_id, decision_id
        from {{ source('pars', 'decision_findings') }} {{ new_loads }}
    ),

    -- a decision's earliest year over its versions (a tombstone carries only decision_id)
    decision_years as (
        select changed_decisions.load_id, min(year(versions.decision_date)) as first_year
        from changed_decisions
        inner join
            {{ source('pars', 'accreditation_decisions') }} as versions
            on versions.decision_id = changed_decisions.decision_id
        group by changed_decisions.load_id
    ),

    all_years as (
        select reporting_year as report_year
        from {{ source('pars', 'activities') }}
        where reporting_year is not null
        union
        select report_year
        from summary_years
    ),

    touched as (
        select changed_activities.load_id, activity_versions.report_year
        from changed_activities
        inner join activity_versions using (activity_id)
        union
        select changed_providers.load_id, activity_versions.report_year
        from changed_providers
        inner join activity_versions using (provider_id)
        union
        select changed_providers.load_id, summary_years.report_year
        from changed_providers
        inner join summary_years using (provider_id)
        union
        select _load_id, reporting_year
        from {{ source('pars', 'program_summaries') }} {{ new_loads }}
        union
        select decision_years.load_id, all_years.report_year
        from decision_years
        inner join all_years on all_years.report_year >= decision_years.first_year
    )

select load_id::integer as load_id, report_year::integer as report_year
from touched
where report_year is not null
