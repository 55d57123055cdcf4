-- Activities, hours and interactions by organization type and activity type (Data Report Tables 2 to 5), per
-- report year and accreditor group: the full cross product of the code lists, with zeros in empty cells.
with

    counted_activities as (select * from {{ ref('int_annual_report__counted_activities') }}),

    report_years as (select * from {{ ref('int_annual_report__report_years') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    organization_types as (select * from {{ ref('organization_types') }}),

    activity_types as (select * from {{ ref('activity_types') }}),

    activities_by_group as ({{ in_own_group_and_all('counted_activities') }}),

    cell_totals as (
        select
            report_year,
            accreditor_group,
            organization_type,
            activity_type,
            count(*) as activities,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions
        from activities_by_group
        group by report_year, accreditor_group, organization_type, activity_type
    ),

    spine as ({{ year_group_spine(['organization_type', 'activity_type']) }}),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            spine.organization_type::varchar as organization_type,
            spine.activity_type::varchar as activity_type,
            coalesce(cell_totals.activities, 0)::bigint as activities,
            coalesce(cell_totals.hours_of_instruction, 0)::decimal(18, 2) as hours_of_instruction,
            coalesce(cell_totals.physician_interactions, 0)::bigint as physician_interactions,
            coalesce(cell_totals.other_learner_interactions, 0)::bigint as other_learner_interactions
        from spine
        left join cell_totals using (report_year, accreditor_group, organization_type, activity_type)
    )

select *
from filled
