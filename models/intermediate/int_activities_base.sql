{{ activity_incremental() }}
-- fct_activities without its two load-dependent columns (data_as_of_date, is_open_after_deadline: the
-- fct_activities view adds them), so that it can be incremental by activity (macros/incremental/activities.sql): a
-- build recomputes only the activities whose row, child records or provider loads wrote since its last build, from
-- those activities' raw versions (the staging view ranks every version whatever the filter); a full build reads the
-- staging view. Year-partitioned models downstream find their touched years in stg_pars__report_year_changes.
-- One row per activity (latest version, deletions applied) with its provider's attributes and what its
-- child records say. `is_counted` is the Data Report's counting rule: status Closed (the activity's
-- report year is its reporting_year).
with

    activities as ({{ current_records('stg_pars__activities') }}),

    providers as (
        select provider_id, organization_type, accreditor_type, state as provider_state, census_region
        from {{ ref('dim_providers') }}
    ),

    children as (select * from {{ ref('int_activity_children_summarized') }} where {{ in_changed_activities() }}),

    joined as (
        select
            activities.activity_id,
            activities.provider_id,
            activities.provider_activity_id,
            activities.reporting_year as report_year,
            activities.title,
            activities.activity_type,
            case
                when activities.activity_type in ('C', 'RSS', 'IL')
                then 'Live'
                when activities.activity_type in ('EM', 'IEM', 'JN')
                then 'Enduring'
                else 'Other'
            end as activity_format_group,
            activities.start_date,
            activities.end_date,
            activities.city,
            activities.state,
            activities.country,
            activities.providership,
            activities.providership = 'Joint' as is_jointly_provided,
            activities.hours_of_instruction,
            activities.physician_interactions,
            activities.other_learner_interactions,
            activities.physician_interactions + activities.other_learner_interactions as total_interactions,
            activities.ama_pra_category1_credits,
            activities.has_commercial_support,
            activities.is_designed_to_change_competence,
            activities.is_designed_to_change_performance,
            activities.is_designed_to_change_patient_outcomes,
            activities.is_evaluated_change_competence,
            activities.is_evaluated_change_performance,
            activities.is_evaluated_change_patient_outcomes,
            activities.competencies,
            activities.status as activity_status,
            activities.closed_date,
            activities.status = 'Closed' as is_counted,
            {{ reporting_deadline('activities.reporting_year') }} as reporting_deadline_date,
            providers.organization_type,
            providers.accreditor_type,
            providers.provider_state,
            providers.census_region,
            coalesce(children.commercial_supporters, 0) as commercial_supporters,
            coalesce(children.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income,
            coalesce(children.has_in_kind_support, false) as has_in_kind_support,
            coalesce(children.joint_providers, 0) as joint_providers,
            coalesce(children.moc_boards, 0) as moc_boards,
            coalesce(children.moc_board_list, []::varchar[]) as moc_board_list,
            coalesce(children.moc_boards, 0) > 0 as is_moc_registered,
            children.rems_designation,
            children.rems_designation is not null as is_rems,
            coalesce(children.is_rpc_funded, false) as is_rpc_funded,
            children.profession_learner_count
        from activities
        left join providers using (provider_id)
        left join children using (activity_id)
    )

select *
from joined
