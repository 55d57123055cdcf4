-- The figures the Data Report's executive summary talks about, one row per report year and accreditor group:
-- the headline measures with last year's values and percent changes (from year_over_year_changes), the share
-- of counted activities without commercial support, and the organization type with the most activities.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    changes as (
        select * from {{ ref('year_over_year_changes') }} where source_model = 'enterprise_size' and breakdown = 'Total'
    ),

    by_type as (select * from {{ ref('commercial_support_by_organization_type') }}),

    largest_type as (
        select
            report_year,
            accreditor_group,
            arg_max(organization_type, activities) as largest_organization_type,
            max(activities) as largest_organization_type_activities
        from by_type
        group by report_year, accreditor_group
    ),

    pivoted_changes as (
        select
            report_year,
            accreditor_group,
            max(percent_change) filter (where measure = 'providers_accredited') as providers_accredited_percent_change,
            max(percent_change) filter (where measure = 'activities') as activities_percent_change,
            max(previous_year_value) filter (where measure = 'activities') as previous_year_activities,
            max(percent_change) filter (where measure = 'hours_of_instruction') as hours_of_instruction_percent_change,
            max(percent_change) filter (where measure = 'total_interactions') as total_interactions_percent_change,
            max(previous_year_value) filter (where measure = 'total_interactions') as previous_year_total_interactions,
            max(percent_change) filter (where measure = 'total_income') as total_income_percent_change,
            max(percent_change) filter (
                where measure = 'commercial_support_income'
            ) as commercial_support_income_percent_change
        from changes
        group by report_year, accreditor_group
    ),

    summary as (
        select
            enterprise_size.report_year,
            enterprise_size.accreditor_group,
            enterprise_size.providers_accredited,
            enterprise_size.activities,
            enterprise_size.total_interactions,
            enterprise_size.total_income,
            pivoted_changes.previous_year_activities::bigint as previous_year_activities,
            pivoted_changes.previous_year_total_interactions::bigint as previous_year_total_interactions,
            pivoted_changes.providers_accredited_percent_change,
            pivoted_changes.activities_percent_change,
            pivoted_changes.hours_of_instruction_percent_change,
            pivoted_changes.total_interactions_percent_change,
            pivoted_changes.total_income_percent_change,
            pivoted_changes.commercial_support_income_percent_change,
            case
                when enterprise_size.activities > 0
                then 1 - enterprise_size.activities_with_commercial_support / enterprise_size.activities
            end::double as share_of_activities_without_commercial_support,
            case
                when enterprise_size.total_interactions > 0
                then enterprise_size.physician_interactions / enterprise_size.total_interactions
            end::double as physician_share_of_interactions,
            case
                when largest_type.largest_organization_type_activities > 0 then largest_type.largest_organization_type
            end as largest_organization_type,
            coalesce(largest_type.largest_organization_type_activities, 0)::bigint
            as largest_organization_type_activities,
            case
                when enterprise_size.activities > 0
                then largest_type.largest_organization_type_activities / enterprise_size.activities
            end::double as largest_organization_type_share
        from enterprise_size
        left join pivoted_changes using (report_year, accreditor_group)
        left join largest_type using (report_year, accreditor_group)
    )

select *
from summary
