-- Commercial support by organization type: per report year, accreditor group and organization type, the counted
-- activities, those that received commercial support (the activity's own answer), the support income (supporters'
-- monetary amounts on counted activities) and the type's share of the group's commercial support income (NULL
-- when the group received none). Every organization type has a row.
with

    provider_years as (select * from {{ ref('int_annual_report__provider_years') }}),

    report_years as (select * from {{ ref('int_annual_report__report_years') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    organization_types as (select * from {{ ref('organization_types') }}),

    provider_years_by_group as ({{ in_own_group_and_all('provider_years') }}),

    type_totals as (
        select
            report_year,
            accreditor_group,
            organization_type,
            sum(activities) as activities,
            sum(activities_with_commercial_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income
        from provider_years_by_group
        group by report_year, accreditor_group, organization_type
    ),

    spine as ({{ year_group_spine(['organization_type']) }}),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            spine.organization_type::varchar as organization_type,
            coalesce(type_totals.activities, 0)::bigint as activities,
            coalesce(type_totals.activities_with_commercial_support, 0)::bigint as activities_with_commercial_support,
            coalesce(type_totals.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income
        from spine
        left join type_totals using (report_year, accreditor_group, organization_type)
    ),

    with_shares as (
        select
            *,
            (activities_with_commercial_support / nullif(activities, 0))::double
            as share_of_activities_with_commercial_support,
            (
                commercial_support_income
                / nullif(sum(commercial_support_income) over (partition by report_year, accreditor_group), 0)
            )::double as share_of_commercial_support_income
        from filled
    )

select *
from with_shares
