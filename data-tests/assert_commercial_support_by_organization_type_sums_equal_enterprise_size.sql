-- commercial_support_by_organization_type summed over organization types equals enterprise_size (activities,
-- supported activities, commercial support income), and its income shares add up to 1 wherever the group received
-- any support. Returns the (year, group) rows that differ.
with

    by_type as (select * from {{ ref('commercial_support_by_organization_type') }}),

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    type_totals as (
        select
            report_year,
            accreditor_group,
            sum(activities) as activities,
            sum(activities_with_commercial_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income,
            sum(share_of_commercial_support_income) as sum_of_income_shares
        from by_type
        group by report_year, accreditor_group
    ),

    compared as (
        select
            coalesce(enterprise_size.report_year, type_totals.report_year) as report_year,
            coalesce(enterprise_size.accreditor_group, type_totals.accreditor_group) as accreditor_group,
            enterprise_size.activities as size_activities,
            type_totals.activities as types_activities,
            enterprise_size.activities_with_commercial_support as size_supported_activities,
            type_totals.activities_with_commercial_support as types_supported_activities,
            enterprise_size.commercial_support_income as size_commercial_support_income,
            type_totals.commercial_support_income as types_commercial_support_income,
            type_totals.sum_of_income_shares
        from enterprise_size
        full outer join
            type_totals
            on enterprise_size.report_year = type_totals.report_year
            and enterprise_size.accreditor_group = type_totals.accreditor_group
    ),

    failing as (
        select *
        from compared
        where
            size_activities is distinct from types_activities
            or size_supported_activities is distinct from types_supported_activities
            or size_commercial_support_income is distinct from types_commercial_support_income
            or (size_commercial_support_income > 0 and abs(sum_of_income_shares - 1) > 1e-9)
    )

select *
from failing
