-- One row per learner completion, identified (board ID, names, birth month/day), for anonymize/ only, with
-- the activity and provider attributes a research extract may keep. The board's free-text rejection reason
-- is left out.
with

    completions as (select * from {{ ref('fct_learner_completions') }}),

    providers as (select provider_id, census_region, state as provider_state from {{ ref('dim_providers') }}),

    selected as (
        select
            completions.completion_id,
            completions.learner_key,
            completions.learner_board_id,
            completions.first_name,
            completions.last_name,
            completions.birth_month,
            completions.birth_day,
            completions.board,
            completions.credit_type,
            completions.credits,
            completions.completion_date,
            completions.completion_year,
            completions.reported_date,
            completions.days_to_report,
            completions.is_late,
            completions.completion_status,
            completions.activity_id,
            completions.activity_report_year,
            completions.activity_type,
            completions.provider_id,
            completions.organization_type,
            completions.accreditor_type,
            providers.census_region,
            providers.provider_state
        from completions
        left join providers using (provider_id)
    )

select *
from selected
