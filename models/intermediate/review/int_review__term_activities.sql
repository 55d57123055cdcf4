-- Each provider's activities of its current accreditation term: every activity (any status) whose dates
-- overlap the term (start_date <= term end and end_date >= term start). Providers without a current term
-- (never decided, or Nonaccreditation) have none.
with

    providers as (
        select provider_id, current_term_start_date as term_start_date, current_term_end_date as term_end_date
        from {{ ref('dim_providers') }}
        where current_term_start_date is not null
    ),

    activities as (select * from {{ ref('fct_activities') }}),

    in_term as (
        select
            providers.provider_id,
            providers.term_start_date,
            providers.term_end_date,
            activities.activity_id,
            activities.provider_activity_id,
            activities.report_year,
            activities.title,
            activities.activity_type,
            activities.start_date,
            activities.end_date,
            activities.activity_status,
            activities.is_counted,
            activities.hours_of_instruction,
            activities.physician_interactions,
            activities.other_learner_interactions,
            activities.total_interactions,
            activities.is_jointly_provided,
            activities.has_commercial_support,
            activities.commercial_support_income,
            activities.is_moc_registered,
            activities.is_rems
        from activities
        inner join
            providers
            on activities.provider_id = providers.provider_id
            and activities.start_date <= providers.term_end_date
            and activities.end_date >= providers.term_start_date
    )

select *
from in_term
