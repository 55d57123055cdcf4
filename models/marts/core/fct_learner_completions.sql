{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_affected_completions() }}",
        post_hook="{{ remember_seen_load(this.name) }}",
    )
}}
-- depends_on: {{ ref('stg_pars__record_changes') }}
-- depends_on: {{ ref('stg_pars__load_history') }}
-- depends_on: {{ ref('stg_pars__activities') }}
-- depends_on: {{ ref('stg_pars__learner_completions') }}
-- depends_on: {{ ref('stg_pars__learner_completion_versions') }}
-- depends_on: {{ ref('stg_pars__completion_changes') }}
-- Incremental: a build recomputes only the completions touched since the last one (macros/incremental).
-- One row per learner completion reported to a board. CONTAINS PERSONAL DATA (board ID, names, birth
-- month/day): consumer marts aggregate it; only research/ passes identifiers on, to anonymize/.
with

    completions as (
        {%- if is_incremental() %}
            -- Only the affected completions, each its latest live version: the rule of stg_pars__learner_completions
            -- (latest_live_version) applied to those keys alone, because filtering the staging view afterwards
            -- would rank every version of every completion first (seconds at national scale).
            select * exclude (_load_id, _export_id, _line, _is_deleted)
            from {{ ref('stg_pars__learner_completion_versions') }}
            where completion_id in (select completion_id from {{ affected_completions_table() }})
            qualify row_number() over (partition by completion_id order by _load_id desc) = 1 and not _is_deleted
        {%- else %}
            select * exclude (loaded_by_load_id, loaded_from_export_id) from {{ ref('stg_pars__learner_completions') }}
        {%- endif %}
    ),

    activities as (select * from {{ ref('int_activity_context') }}),

    registrations as (
        select activity_id, board, moc_credits as registered_moc_credits
        from {{ ref('stg_pars__activity_moc_registrations') }}
    ),

    joined as (
        select
            completions.completion_id,
            completions.activity_id,
            completions.board,
            md5(completions.board || ':' || completions.learner_board_id) as learner_key,
            completions.learner_board_id,
            completions.first_name,
            completions.last_name,
            completions.birth_month,
            completions.birth_day,
            completions.completion_date,
            year(completions.completion_date) as completion_year,
            completions.credit_type,
            completions.credits,
            registrations.registered_moc_credits,
            completions.reported_date,
            datediff('day', completions.completion_date, completions.reported_date) as days_to_report,
            datediff('day', completions.completion_date, completions.reported_date) > 30 as is_late,
            completions.status as completion_status,
            completions.rejection_reason,
            activities.provider_id,
            activities.report_year as activity_report_year,
            activities.activity_type,
            activities.organization_type,
            activities.accreditor_type
        from completions
        inner join activities using (activity_id)
        left join registrations using (activity_id, board)
    )

select *
from joined
