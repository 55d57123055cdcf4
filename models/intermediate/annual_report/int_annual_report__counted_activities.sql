-- The activities the Data Report counts, one row each: fct_activities.is_counted (latest live version, status
-- Closed; its report year is its reporting_year). Only the columns the annual-report marts aggregate. Hours
-- become decimal here so that every sum over them is exact and independent of the order of addition.
with

    activities as (select * from {{ ref('fct_activities') }}),

    counted as (
        select
            activity_id,
            provider_id,
            report_year,
            accreditor_type,
            organization_type,
            activity_type,
            hours_of_instruction::decimal(18, 4) as hours_of_instruction,
            physician_interactions,
            other_learner_interactions,
            total_interactions,
            has_commercial_support,
            commercial_supporters,
            commercial_support_income,
            is_designed_to_change_competence,
            is_designed_to_change_performance,
            is_designed_to_change_patient_outcomes,
            is_evaluated_change_competence,
            is_evaluated_change_performance,
            is_evaluated_change_patient_outcomes,
            competencies
        from activities
        where is_counted
    )

select *
from counted
