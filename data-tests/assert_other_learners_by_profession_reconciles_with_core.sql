-- other_learners_by_profession equals the sums of learner counts over fct_activity_learner_professions of counted
-- activities, per report year, accreditor group (and All) and profession. Returns the rows that differ.
with

    by_profession as (select * from {{ ref('other_learners_by_profession') }}),

    learner_professions as (select * from {{ ref('fct_activity_learner_professions') }}),

    core_totals as (
        select
            learner_professions.report_year,
            groups.accreditor_group,
            learner_professions.profession,
            sum(learner_professions.learner_count) as other_learner_interactions
        from learner_professions
        cross join (values ('All'), ('ACCME'), ('State'), ('Joint')) as groups(accreditor_group)
        where learner_professions.is_counted and groups.accreditor_group in (learner_professions.accreditor_type, 'All')
        group by learner_professions.report_year, groups.accreditor_group, learner_professions.profession
    ),

    compared as (
        select
            coalesce(by_profession.report_year, core_totals.report_year) as report_year,
            coalesce(by_profession.accreditor_group, core_totals.accreditor_group) as accreditor_group,
            coalesce(by_profession.profession, core_totals.profession) as profession,
            by_profession.other_learner_interactions as mart_other_learner_interactions,
            coalesce(core_totals.other_learner_interactions, 0) as core_other_learner_interactions
        from by_profession
        full outer join
            core_totals
            on by_profession.report_year = core_totals.report_year
            and by_profession.accreditor_group = core_totals.accreditor_group
            and by_profession.profession = core_totals.profession
    ),

    failing as (
        select *
        from compared
        where
            mart_other_learner_interactions is null
            or mart_other_learner_interactions <> core_other_learner_interactions
    )

select *
from failing
