-- Designed for change and evaluated change: of the counted activities of a report year and accreditor group, how
-- many were designed to change, and how many evaluated a change in, learners' competence, performance and patient
-- outcomes, as counts and as shares of the counted activities (NULL share when the group has no activity).
with

    counted_activities as (select * from {{ ref('int_annual_report__counted_activities') }}),

    report_years as (select * from {{ ref('int_annual_report__report_years') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    activities_by_group as ({{ in_own_group_and_all('counted_activities') }}),

    group_counts as (
        select
            report_year,
            accreditor_group,
            count(*) as activities,
            count(*) filter (where is_designed_to_change_competence) as designed_to_change_competence,
            count(*) filter (where is_designed_to_change_performance) as designed_to_change_performance,
            count(*) filter (where is_designed_to_change_patient_outcomes) as designed_to_change_patient_outcomes,
            count(*) filter (where is_evaluated_change_competence) as evaluated_change_competence,
            count(*) filter (where is_evaluated_change_performance) as evaluated_change_performance,
            count(*) filter (where is_evaluated_change_patient_outcomes) as evaluated_change_patient_outcomes
        from activities_by_group
        group by report_year, accreditor_group
    ),

    spine as (
        select report_years.report_year, accreditor_groups.accreditor_group
        from report_years
        cross join accreditor_groups
    ),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            coalesce(group_counts.activities, 0)::bigint as activities,
            coalesce(group_counts.designed_to_change_competence, 0)::bigint as designed_to_change_competence,
            coalesce(group_counts.designed_to_change_performance, 0)::bigint as designed_to_change_performance,
            coalesce(group_counts.designed_to_change_patient_outcomes, 0)::bigint
            as designed_to_change_patient_outcomes,
            coalesce(group_counts.evaluated_change_competence, 0)::bigint as evaluated_change_competence,
            coalesce(group_counts.evaluated_change_performance, 0)::bigint as evaluated_change_performance,
            coalesce(group_counts.evaluated_change_patient_outcomes, 0)::bigint as evaluated_change_patient_outcomes
        from spine
        left join group_counts using (report_year, accreditor_group)
    ),

    with_shares as (
        select
            *,
            (designed_to_change_competence / nullif(activities, 0))::double as designed_to_change_competence_share,
            (designed_to_change_performance / nullif(activities, 0))::double as designed_to_change_performance_share,
            (designed_to_change_patient_outcomes / nullif(activities, 0))::double
            as designed_to_change_patient_outcomes_share,
            (evaluated_change_competence / nullif(activities, 0))::double as evaluated_change_competence_share,
            (evaluated_change_performance / nullif(activities, 0))::double as evaluated_change_performance_share,
            (evaluated_change_patient_outcomes / nullif(activities, 0))::double
            as evaluated_change_patient_outcomes_share
        from filled
    )

select *
from with_shares
