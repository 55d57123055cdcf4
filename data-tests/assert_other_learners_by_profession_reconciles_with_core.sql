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

    failing as (
        {{
            rows_that_differ(
                "by_profession",
                "core_totals",
                ["report_year", "accreditor_group", "profession"],
                ["other_learner_interactions"],
                absent_is_zero=true,
            )
        }}
    )

select *
from failing
