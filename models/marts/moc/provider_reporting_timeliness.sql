-- One row per year of completion, provider and board: how promptly the provider reported its learners'
-- completions to the board, and how many the board rejected.
-- Incremental by year of completion: a build recomputes the touched reporting years and the years of completion
-- whose rows loads can have changed: those of the completions they wrote, of those naming an activity they
-- created, deleted or moved to another provider, and of the activities of a provider whose row they wrote
-- (macros/incremental/completion_count_years.sql, by_provider).
{{ completion_count_year_incremental(by_provider=true) }}
with

    completions as (
        select * from {{ ref('fct_learner_completions') }} where {{ in_touched_report_years('completion_year') }}
    ),

    providers as (
        select provider_id, provider_name, organization_type, accreditor_type from {{ ref('dim_providers') }}
    ),

    tally as (
        select
            completion_year::integer as report_year,
            provider_id,
            board,
            count(*) as completions,
            count(*) filter (where completion_status = 'Accepted') as completions_accepted,
            count(*) filter (where completion_status = 'Rejected') as completions_rejected,
            count(*) filter (where completion_status = 'Pending') as completions_pending,
            count(*) filter (where is_late) as late_completions,
            median(days_to_report)::double as median_days_to_report,
            max(days_to_report) as max_days_to_report
        from completions
        group by all
    ),

    rated as (
        select
            tally.report_year,
            tally.provider_id,
            tally.board,
            providers.provider_name,
            providers.organization_type,
            providers.accreditor_type,
            tally.completions,
            tally.completions_accepted,
            tally.completions_rejected,
            tally.completions_pending,
            tally.late_completions,
            tally.late_completions / tally.completions as late_rate,
            tally.completions_rejected / tally.completions as rejection_rate,
            tally.median_days_to_report,
            tally.max_days_to_report
        from tally
        left join providers using (provider_id)
    )

select *
from rated
