with

    latest as ({{ latest_live_version('activities', ['activity_id']) }}),

    renamed as (
        select
            activity_id,
            provider_id,
            provider_activity_id,
            reporting_year,
            title,
            activity_type,
            start_date,
            end_date,
            city,
            state,
            country,
            providership,
            hours_of_instruction,
            physician_learners as physician_interactions,
            other_learners as other_learner_interactions,
            ama_pra_category1_credits,
            commercial_support_received as has_commercial_support,
            designed_to_change_competence as is_designed_to_change_competence,
            designed_to_change_performance as is_designed_to_change_performance,
            designed_to_change_patient_outcomes as is_designed_to_change_patient_outcomes,
            evaluated_change_competence as is_evaluated_change_competence,
            evaluated_change_performance as is_evaluated_change_performance,
            evaluated_change_patient_outcomes as is_evaluated_change_patient_outcomes,
            coalesce(competencies, []::varchar[]) as competencies,
            status,
            closed_date,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
