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

    sums_differ as (
        {{
            rows_that_differ(
                "enterprise_size",
                "type_totals",
                ["report_year", "accreditor_group"],
                ["activities", "activities_with_commercial_support", "commercial_support_income"],
            )
        }}
    ),

    shares_off as (
        select report_year, accreditor_group
        from type_totals
        where commercial_support_income > 0 and coalesce(abs(sum_of_income_shares - 1) > 1e-9, true)
    ),

    failing as (
        select report_year, accreditor_group, 'sums differ' as problem
        from sums_differ
        union all
        select report_year, accreditor_group, 'income shares do not add up to 1' as problem
        from shares_off
    )

select *
from failing
