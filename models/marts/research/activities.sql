-- One row per counted activity, identified (activity and provider IDs), for anonymize/ only. No dollar
-- amounts: a provider's money may appear only at provider-year level (research.provider_years).
with

    counted_activities as (select * from {{ ref('fct_activities') }} where is_counted),

    selected as (
        select
            activity_id,
            provider_id,
            report_year,
            organization_type,
            accreditor_type,
            census_region,
            provider_state,
            activity_type,
            activity_format_group,
            start_date,
            end_date,
            is_jointly_provided,
            hours_of_instruction,
            physician_interactions,
            other_learner_interactions,
            total_interactions,
            ama_pra_category1_credits,
            is_designed_to_change_competence,
            is_designed_to_change_performance,
            is_designed_to_change_patient_outcomes,
            is_evaluated_change_competence,
            is_evaluated_change_performance,
            is_evaluated_change_patient_outcomes,
            competencies,
            is_moc_registered,
            moc_board_list,
            is_rems,
            rems_designation,
            is_rpc_funded,
            has_commercial_support,
            has_in_kind_support
        from counted_activities
    )

select *
from selected
