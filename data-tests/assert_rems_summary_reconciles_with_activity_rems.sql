-- rems.summary equals the counted REMS records of core, year by year: activity counts by designation and RPC
-- funding, and every learner breakdown. Also, no counted REMS activity is missing from rems.activity_list.
-- Returns the years (or activities) that differ.
with

    counted_rems as (select * from {{ ref('fct_activity_rems') }} where is_counted),

    expected as (
        select
            report_year,
            count(*) as rems_activities,
            count(*) filter (where rems_designation = 'Compliant') as compliant_activities,
            count(*) filter (where rems_designation = 'Related') as related_activities,
            count(*) filter (where rpc_grant_id is not null) as rpc_funded_activities,
            sum(prescriber_learners) as prescriber_learners,
            sum(dea_registered_learners) as dea_registered_learners,
            sum(primary_care_learners) as primary_care_learners,
            sum(pain_specialist_learners) as pain_specialist_learners,
            sum(other_specialist_learners) as other_specialist_learners
        from counted_rems
        group by report_year
    ),

    summary as (select * from {{ ref('summary') }}),

    year_differences as (
        select
            coalesce(expected.report_year, summary.report_year) as report_year,
            'summary differs from fct_activity_rems' as problem
        from expected
        full outer join summary using (report_year)
        where
            summary.report_year is null
            or coalesce(expected.rems_activities, 0) <> summary.rems_activities
            or coalesce(expected.compliant_activities, 0) <> summary.compliant_activities
            or coalesce(expected.related_activities, 0) <> summary.related_activities
            or summary.compliant_activities + summary.related_activities <> summary.rems_activities
            or coalesce(expected.rpc_funded_activities, 0) <> summary.rpc_funded_activities
            or coalesce(expected.prescriber_learners, 0) <> summary.prescriber_learners
            or coalesce(expected.dea_registered_learners, 0) <> summary.dea_registered_learners
            or coalesce(expected.primary_care_learners, 0) <> summary.primary_care_learners
            or coalesce(expected.pain_specialist_learners, 0) <> summary.pain_specialist_learners
            or coalesce(expected.other_specialist_learners, 0) <> summary.other_specialist_learners
    ),

    missing_from_list as (
        select
            counted_rems.report_year,
            'counted REMS activity ' || counted_rems.activity_id || ' missing from activity_list' as problem
        from counted_rems
        anti join (select activity_id from {{ ref('activity_list') }} where is_counted) as listed using (activity_id)
    )

select *
from year_differences
union all
select *
from missing_from_list
