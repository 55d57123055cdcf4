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

    compared as (
        select
            coalesce(enterprise_size.report_year, matrix_totals.report_year) as report_year,
            coalesce(enterprise_size.accreditor_group, matrix_totals.accreditor_group) as accreditor_group,
            enterprise_size.activities as size_activities,
            matrix_totals.activities as matrix_activities,
            enterprise_size.hours_of_instruction as size_hours,
            matrix_totals.hours_of_instruction as matrix_hours,
            enterprise_size.physician_interactions as size_physician_interactions,
            matrix_totals.physician_interactions as matrix_physician_interactions,
            enterprise_size.other_learner_interactions as size_other_learner_interactions,
            matrix_totals.other_learner_interactions as matrix_other_learner_interactions
        from enterprise_size
        full outer join
            matrix_totals
            on enterprise_size.report_year = matrix_totals.report_year
            and enterprise_size.accreditor_group = matrix_totals.accreditor_group
    ),

    failing as (
        select *
        from compared
        where
            size_activities is distinct from matrix_activities
            -- per-cell rounding to cents may add up to a few cents
            or abs(size_hours - matrix_hours) > 0.01 * 13 * 8
            or matrix_hours is null
            or size_physician_interactions is distinct from matrix_physician_interactions
            or size_other_learner_interactions is distinct from matrix_other_learner_interactions
    )

select *
from failing
