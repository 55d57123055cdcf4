-- Competencies addressed: per report year, accreditor group and competency code, the counted activities that
-- address it and their share of all counted activities of the year and group. An activity addresses several
-- competencies, so the shares add up to more than 1. Every code of the list has a row, zeros when unaddressed.
-- Incremental by reporting year (each year's rows come from that year's activities alone): a build recomputes the
-- years its loads touched (macros/incremental/report_years.sql).
{{ report_year_incremental() }}
with

    counted_activities as (
        select * from {{ ref('int_annual_report__counted_activities') }} where {{ in_touched_report_years() }}
    ),

    report_years as (select * from {{ ref('int_annual_report__report_years') }} where {{ in_touched_report_years() }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    competencies as (select * from {{ ref('competencies') }}),

    activities_by_group as ({{ in_own_group_and_all('counted_activities') }}),

    group_activities as (
        select report_year, accreditor_group, count(*) as activities_in_group
        from activities_by_group
        group by report_year, accreditor_group
    ),

    activity_competencies as (
        select distinct report_year, accreditor_group, activity_id, unnest(competencies) as competency_code
        from activities_by_group
    ),

    competency_counts as (
        select report_year, accreditor_group, competency_code, count(*) as activities
        from activity_competencies
        group by report_year, accreditor_group, competency_code
    ),

    spine as (
        select
            report_years.report_year,
            accreditor_groups.accreditor_group,
            competencies.competency_code,
            competencies.competency_name,
            competencies.competency_framework
        from report_years
        cross join accreditor_groups
        cross join competencies
    ),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            spine.competency_code::varchar as competency_code,
            spine.competency_name::varchar as competency_name,
            spine.competency_framework::varchar as competency_framework,
            coalesce(competency_counts.activities, 0)::bigint as activities,
            coalesce(group_activities.activities_in_group, 0)::bigint as activities_in_group
        from spine
        left join competency_counts using (report_year, accreditor_group, competency_code)
        left join group_activities using (report_year, accreditor_group)
    ),

    with_shares as (select *, (activities / nullif(activities_in_group, 0))::double as share_of_activities from filled)

select *
from with_shares
