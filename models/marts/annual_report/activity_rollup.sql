-- Counted activities, reporting providers, hours, interactions and commercial support by the provider's state,
-- organization type and activity type, per report year and accreditor group, with every subtotal: 'All' in
-- state, organization_type or activity_type stands for every value of that column. The dashboards' annual
-- report explorer selects rows from it (one row per combination of filters), so they never add anything up.
-- Incremental by reporting year (each year's rows come from that year's activities alone): a build recomputes the
-- years its loads touched (macros/incremental/report_years.sql).
{{ report_year_incremental() }}
with

    counted_activities as (
        select * from {{ ref('int_annual_report__counted_activities') }} where {{ in_touched_report_years() }}
    ),

    providers as (select provider_id, coalesce(state, 'None') as provider_state from {{ ref('dim_providers') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    with_state as (
        select counted_activities.*, providers.provider_state
        from counted_activities
        inner join providers using (provider_id)
    ),

    activities_by_group as ({{ in_own_group_and_all('with_state') }}),

    rolled_up as (
        select
            report_year,
            accreditor_group,
            case when grouping(provider_state) = 1 then 'All' else provider_state end as state,
            case when grouping(organization_type) = 1 then 'All' else organization_type end as organization_type,
            case when grouping(activity_type) = 1 then 'All' else activity_type end as activity_type,
            count(*) as activities,
            count(distinct provider_id) as providers_reporting,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions,
            count(*) filter (where has_commercial_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income
        from activities_by_group
        group by report_year, accreditor_group, cube (provider_state, organization_type, activity_type)
    ),

    final as (
        select
            report_year::integer as report_year,
            accreditor_group::varchar as accreditor_group,
            state::varchar as state,
            organization_type::varchar as organization_type,
            activity_type::varchar as activity_type,
            activities::bigint as activities,
            providers_reporting::bigint as providers_reporting,
            round(hours_of_instruction, 2)::decimal(18, 2) as hours_of_instruction,
            physician_interactions::bigint as physician_interactions,
            other_learner_interactions::bigint as other_learner_interactions,
            (physician_interactions + other_learner_interactions)::bigint as total_interactions,
            activities_with_commercial_support::bigint as activities_with_commercial_support,
            coalesce(commercial_support_income, 0)::decimal(18, 2) as commercial_support_income
        from rolled_up
    )

select *
from final
