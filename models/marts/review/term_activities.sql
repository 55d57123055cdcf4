-- The activity list of each provider's current accreditation term, as reviewers read it: every activity whose
-- dates overlap the term, whatever its status (is_counted marks the ones the Data Report counts).
with

    term_activities as (select * from {{ ref('int_review__term_activities') }}),

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
