-- The all-states, all-types row of annual_report.activity_rollup equals enterprise_size for every report year and
-- accreditor group (activities, reporting providers, hours, interactions, commercial support), and each state's,
-- organization type's and activity type's activities add up to it. Returns the rows that differ.
with

    rollup as (select * from {{ ref('activity_rollup') }}),

    enterprise_size as (select * from {{ ref('enterprise_size') }} where activities > 0),

    totals as (select * from rollup where state = 'All' and organization_type = 'All' and activity_type = 'All'),

    compared as (
        select
            coalesce(enterprise_size.report_year, totals.report_year) as report_year,
            coalesce(enterprise_size.accreditor_group, totals.accreditor_group) as accreditor_group,
            'total' as check_name
        from enterprise_size
        full outer join totals using (report_year, accreditor_group)
        where
            enterprise_size.activities is distinct from totals.activities
            or enterprise_size.providers_reporting is distinct from totals.providers_reporting
            or enterprise_size.hours_of_instruction is distinct from totals.hours_of_instruction
            or enterprise_size.physician_interactions is distinct from totals.physician_interactions
            or enterprise_size.other_learner_interactions is distinct from totals.other_learner_interactions
            or enterprise_size.activities_with_commercial_support
            is distinct from totals.activities_with_commercial_support
            or enterprise_size.commercial_support_income is distinct from totals.commercial_support_income
    ),

    by_dimension as (
        select report_year, accreditor_group, 'state' as dimension, sum(activities) as activities
        from rollup
        where state <> 'All' and organization_type = 'All' and activity_type = 'All'
        group by all
        union all
        select report_year, accreditor_group, 'organization_type', sum(activities)
        from rollup
        where state = 'All' and organization_type <> 'All' and activity_type = 'All'
        group by all
        union all
        select report_year, accreditor_group, 'activity_type', sum(activities)
        from rollup
        where state = 'All' and organization_type = 'All' and activity_type <> 'All'
        group by all
    ),

    parts_differ as (
        select by_dimension.report_year, by_dimension.accreditor_group, 'sum over ' || by_dimension.dimension
        from by_dimension
        inner join totals using (report_year, accreditor_group)
        where by_dimension.activities <> totals.activities
    )

select *
from compared
union all
select *
from parts_differ
