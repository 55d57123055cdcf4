-- One row per report year: the Opioid Analgesic REMS activities the Data Report counts (counted activities
-- only: latest version, not deleted, Closed, of that reporting year) and their learners.
with

    counted_activities as (
        select activity_id, report_year, physician_interactions, other_learner_interactions
        from {{ ref('fct_activities') }}
        where is_counted
    ),

    rems as (select * from {{ ref('fct_activity_rems') }}),

    report_years as (select distinct report_year from counted_activities),

    counted_rems as (
        select rems.*, counted_activities.physician_interactions, counted_activities.other_learner_interactions
        from rems
        inner join counted_activities using (activity_id, report_year)
    ),

    tally as (
        select
            report_year,
            count(*) as rems_activities,
            count(*) filter (where rems_designation = 'Compliant') as compliant_activities,
            count(*) filter (where rems_designation = 'Related') as related_activities,
            count(*) filter (where rpc_grant_id is not null) as rpc_funded_activities,
            count(distinct provider_id) as rems_providers,
            sum(physician_interactions)::bigint as physician_interactions,
            sum(other_learner_interactions)::bigint as other_learner_interactions,
            sum(prescriber_learners)::bigint as prescriber_learners,
            sum(dea_registered_learners)::bigint as dea_registered_learners,
            sum(primary_care_learners)::bigint as primary_care_learners,
            sum(pain_specialist_learners)::bigint as pain_specialist_learners,
            sum(other_specialist_learners)::bigint as other_specialist_learners
        from counted_rems
        group by report_year
    ),

    joined as (
        select
            report_years.report_year,
            coalesce(tally.rems_activities, 0) as rems_activities,
            coalesce(tally.compliant_activities, 0) as compliant_activities,
            coalesce(tally.related_activities, 0) as related_activities,
            coalesce(tally.rpc_funded_activities, 0) as rpc_funded_activities,
            coalesce(tally.rems_providers, 0) as rems_providers,
            coalesce(tally.physician_interactions, 0) as physician_interactions,
            coalesce(tally.other_learner_interactions, 0) as other_learner_interactions,
            coalesce(tally.prescriber_learners, 0) as prescriber_learners,
            coalesce(tally.dea_registered_learners, 0) as dea_registered_learners,
            coalesce(tally.primary_care_learners, 0) as primary_care_learners,
            coalesce(tally.pain_specialist_learners, 0) as pain_specialist_learners,
            coalesce(tally.other_specialist_learners, 0) as other_specialist_learners
        from report_years
        left join tally using (report_year)
    )

select *
from joined
