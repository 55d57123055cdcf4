-- One row per provider and report year: accreditation status on 31 December (its latest decision dated on
-- or before that day), its counted activities and their totals, and program income. The one place where the
-- provider-year measures are derived, with one type each (counts bigint, hours decimal(18, 4) summed exactly,
-- dollars decimal(18, 2)): the Data Report, the research marts and the peer comparison all read them here.
with

    decisions as (select * from {{ ref('int_accreditation_decisions_sequenced') }}),

    activities as (select * from {{ ref('fct_activities') }}),

    summaries as (select * from {{ ref('fct_program_summaries') }}),

    providers as (
        select provider_id, organization_type, accreditor_type, census_region from {{ ref('dim_providers') }}
    ),

    report_years as (
        select distinct report_year
        from activities
        union
        select distinct report_year
        from summaries
    ),

    status_at_year_end as (
        select
            decisions.provider_id,
            report_years.report_year,
            decisions.accreditation_status,
            decisions.is_accredited,
            decisions.term_start_date,
            decisions.term_end_date
        from report_years
        inner join decisions on decisions.decision_date <= make_date(report_years.report_year, 12, 31)
        qualify
            row_number() over (
                partition by decisions.provider_id, report_years.report_year order by decisions.decision_sequence desc
            )
            = 1
    ),

    activity_tally as (
        select
            provider_id,
            report_year,
            count(*) as activities_reported,
            count(*) filter (where is_counted) as counted_activities,
            count(*) filter (where is_open_after_deadline) as activities_open_after_deadline
        from activities
        group by provider_id, report_year
    ),

    counted_totals as (
        select
            provider_id,
            report_year,
            sum(hours_of_instruction::decimal(18, 4)) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions,
            sum(total_interactions) as total_interactions,
            count(*) filter (where has_commercial_support) as activities_with_commercial_support,
            count(*) filter (where is_jointly_provided) as jointly_provided_activities,
            count(*) filter (where is_moc_registered) as moc_registered_activities,
            count(*) filter (where is_rems) as rems_activities,
            sum(commercial_support_income) as commercial_support_income
        from activities
        where is_counted
        group by provider_id, report_year
    ),

    keys as (
        select provider_id, report_year
        from status_at_year_end
        union
        select provider_id, report_year
        from activity_tally
        union
        select provider_id, report_year
        from summaries
    ),

    joined as (
        select
            keys.provider_id,
            keys.report_year,
            providers.organization_type,
            providers.accreditor_type,
            providers.census_region,
            status_at_year_end.accreditation_status as status_at_year_end,
            coalesce(status_at_year_end.is_accredited, false) as is_accredited_at_year_end,
            status_at_year_end.term_start_date,
            status_at_year_end.term_end_date,
            coalesce(activity_tally.activities_reported, 0) as activities_reported,
            coalesce(activity_tally.counted_activities, 0) as counted_activities,
            coalesce(activity_tally.counted_activities, 0) > 0 as is_reporting,
            coalesce(activity_tally.activities_open_after_deadline, 0) as activities_open_after_deadline,
            coalesce(counted_totals.hours_of_instruction, 0)::decimal(18, 4) as hours_of_instruction,
            coalesce(counted_totals.physician_interactions, 0)::bigint as physician_interactions,
            coalesce(counted_totals.other_learner_interactions, 0)::bigint as other_learner_interactions,
            coalesce(counted_totals.total_interactions, 0)::bigint as total_interactions,
            coalesce(counted_totals.activities_with_commercial_support, 0)::bigint
            as activities_with_commercial_support,
            coalesce(counted_totals.jointly_provided_activities, 0)::bigint as jointly_provided_activities,
            coalesce(counted_totals.moc_registered_activities, 0)::bigint as moc_registered_activities,
            coalesce(counted_totals.rems_activities, 0)::bigint as rems_activities,
            coalesce(counted_totals.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income,
            summaries.provider_id is not null as has_program_summary,
            summaries.advertising_exhibit_income,
            summaries.registration_fees,
            summaries.government_grants,
            summaries.private_donations,
            summaries.other_income,
            summaries.submitted_date as program_summary_submitted_date
        from keys
        left join providers using (provider_id)
        left join status_at_year_end using (provider_id, report_year)
        left join activity_tally using (provider_id, report_year)
        left join counted_totals using (provider_id, report_year)
        left join summaries using (provider_id, report_year)
    )

select *
from joined
