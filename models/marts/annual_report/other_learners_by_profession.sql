-- Other learners by profession (reporting year 2019 on): per report year, accreditor group and profession, the
-- learner counts that counted activities report for the profession (interactions, not people), the activities
-- reporting it, and the profession's share of all profession counts of the year and group. Every profession of
-- the list has a row, zeros when none is reported (as in every year before 2019).
with

    learner_professions as (select * from {{ ref('fct_activity_learner_professions') }}),

    report_years as (select * from {{ ref('int_annual_report__report_years') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    professions as (select * from {{ ref('learner_professions') }}),

    counted_learner_professions as (select * from learner_professions where is_counted),

    professions_by_group as ({{ in_own_group_and_all('counted_learner_professions') }}),

    profession_totals as (
        select
            report_year,
            accreditor_group,
            profession,
            count(*) as activities,
            sum(learner_count) as other_learner_interactions
        from professions_by_group
        group by report_year, accreditor_group, profession
    ),

    spine as (
        select report_years.report_year, accreditor_groups.accreditor_group, professions.profession
        from report_years
        cross join accreditor_groups
        cross join professions
    ),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            spine.profession::varchar as profession,
            coalesce(profession_totals.activities, 0)::bigint as activities,
            coalesce(profession_totals.other_learner_interactions, 0)::bigint as other_learner_interactions
        from spine
        left join profession_totals using (report_year, accreditor_group, profession)
    ),

    with_shares as (
        select
            *,
            (
                other_learner_interactions
                / nullif(sum(other_learner_interactions) over (partition by report_year, accreditor_group), 0)
            )::double as share_of_other_learner_interactions
        from filled
    )

select *
from with_shares
