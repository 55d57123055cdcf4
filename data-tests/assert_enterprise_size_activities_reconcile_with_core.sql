-- enterprise_size's activity totals equal the sums over fct_activities where is_counted, per report year, for
-- each accreditor group and for All: activities, hours, interactions, supported activities, commercial support.
-- Returns the (year, group) rows that differ.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    activities as (select * from {{ ref('fct_activities') }}),

    counted as (select * from activities where is_counted),

    core_totals as (
        select
            counted.report_year,
            groups.accreditor_group,
            count(*) as activities,
            sum(counted.hours_of_instruction) as hours_of_instruction,
            sum(counted.physician_interactions) as physician_interactions,
            sum(counted.other_learner_interactions) as other_learner_interactions,
            sum(counted.total_interactions) as total_interactions,
            count(*) filter (where counted.has_commercial_support) as activities_with_commercial_support,
            sum(counted.commercial_support_income) as commercial_support_income
        from counted
        cross join (values ('All'), ('ACCME'), ('State'), ('Joint')) as groups(accreditor_group)
        where groups.accreditor_group in (counted.accreditor_type, 'All')
        group by counted.report_year, groups.accreditor_group
    ),

    failing as (
        {{
            rows_that_differ(
                "enterprise_size",
                "core_totals",
                ["report_year", "accreditor_group"],
                [
                    "activities",
                    "hours_of_instruction",
                    "physician_interactions",
                    "other_learner_interactions",
                    "total_interactions",
                    "activities_with_commercial_support",
                    "commercial_support_income",
                ],
                tolerances={"hours_of_instruction": "0.01"},
                absent_is_zero=true,
            )
        }}
    )

select *
from failing
