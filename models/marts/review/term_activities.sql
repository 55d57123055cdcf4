-- The activity list of each provider's current accreditation term, as reviewers read it: every activity whose
-- dates overlap the term, whatever its status (is_counted marks the ones the Data Report counts).
-- Depends on the data alone: incremental by activity and provider (macros/incremental/term_changes.sql), a build
-- recomputes the rows of the activities and providers its loads changed.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_term_changes() }}",
        post_hook="{{ remember_seen_load(this.name) }}",
    )
}}
-- depends_on: {{ ref('stg_pars__load_history') }}
-- depends_on: {{ ref('stg_pars__term_record_changes') }}
with

    term_activities as (select * from {{ ref('int_review__term_activities') }} where {{ in_term_changes() }}),

    listed as (
        select
            provider_id,
            activity_id,
            term_start_date,
            term_end_date,
            provider_activity_id,
            report_year,
            title,
            activity_type,
            start_date,
            end_date,
            activity_status,
            is_counted,
            hours_of_instruction::double as hours_of_instruction,
            physician_interactions::bigint as physician_interactions,
            other_learner_interactions::bigint as other_learner_interactions,
            total_interactions::bigint as total_interactions,
            is_jointly_provided,
            has_commercial_support,
            commercial_support_income::decimal(18, 2) as commercial_support_income,
            is_moc_registered,
            is_rems
        from term_activities
    )

select *
from listed
