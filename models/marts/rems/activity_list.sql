-- One row per REMS activity (any status): the activity-level list for the FDA report. The summary counts
-- only is_counted rows; the list keeps the others so that open REMS activities can be chased.
with

    rems as (select * from {{ ref('fct_activity_rems') }}),

    activities as (select * from {{ ref('fct_activities') }}),

    providers as (select provider_id, provider_name from {{ ref('dim_providers') }}),

    joined as (
        select
            rems.activity_id,
            activities.report_year,
            activities.provider_id,
            providers.provider_name,
            activities.organization_type,
            activities.accreditor_type,
            activities.provider_activity_id,
            activities.title,
            activities.activity_type,
            activities.start_date,
            activities.end_date,
            activities.activity_status,
            activities.is_counted,
            rems.rems_designation,
            rems.rpc_grant_id,
            rems.rpc_grant_id is not null as is_rpc_funded,
            activities.hours_of_instruction,
            activities.ama_pra_category1_credits,
            activities.physician_interactions,
            activities.other_learner_interactions,
            rems.prescriber_learners,
            rems.dea_registered_learners,
            rems.primary_care_learners,
            rems.pain_specialist_learners,
            rems.other_specialist_learners,
            activities.is_designed_to_change_competence,
            activities.is_designed_to_change_performance,
            activities.is_designed_to_change_patient_outcomes,
            activities.is_evaluated_change_competence,
            activities.is_evaluated_change_performance,
            activities.is_evaluated_change_patient_outcomes
        from rems
        inner join activities using (activity_id)
        left join providers on providers.provider_id = activities.provider_id
    )

select *
from joined
