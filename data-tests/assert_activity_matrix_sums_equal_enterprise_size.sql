-- activity_matrix summed over organization and activity types equals enterprise_size for every report year and
-- accreditor group: activities, hours, physician and other learner interactions. Returns the rows that differ.
with

    activity_matrix as (select * from {{ ref('activity_matrix') }}),

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    matrix_totals as (
        select
            report_year,
            accreditor_group,
            sum(activities) as activities,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions
        from activity_matrix
        group by report_year, accreditor_group
    ),

    failing as (
        {#- hours: per-cell rounding to cents may add up to a cent per cell (8 organization x 13 activity types) #}
        {{
            rows_that_differ(
                "enterprise_size",
                "matrix_totals",
                ["report_year", "accreditor_group"],
                ["activities", "hours_of_instruction", "physician_interactions", "other_learner_interactions"],
                tolerances={"hours_of_instruction": "0.01 * 13 * 8"},
            )
        }}
    )

select *
from failing
