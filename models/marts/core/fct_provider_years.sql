-- One row per provider and report year: accreditation status on 31 December (its latest decision dated on
-- or before that day), counted activities, and program income. The Data Report's provider counts read it.
with

decisions as (
    select * from {{ ref('int_accreditation_decisions_sequenced') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

summaries as (
    select * from {{ ref('fct_program_summaries') }}
),

providers as (
    select provider_id, organization_type, accreditor_type, census_region from {{ ref('dim_providers') }}
),

report_years as (
    select distinct report_year from activities
    union
    select distinct report_year from summaries
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
    qualify row_number() over (
        partition by decisions.provider_id, report_years.report_year order by decisions.decision_sequence desc
    ) = 1
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

keys as (
    select provider_id, report_year from status_at_year_end
    union
    select provider_id, report_year from activity_tally
    union
    select provider_id, report_year from summaries
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
    left join summaries using (provider_id, report_year)
)

select * from joined
