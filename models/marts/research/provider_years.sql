-- One row per provider and report year, identified, for anonymize/ only: status, counted activities and
-- their totals, commercial support and program income. The only research table with dollar amounts.
with

provider_years as (
    select * from {{ ref('fct_provider_years') }}
),

counted_activities as (
    select * from {{ ref('fct_activities') }}
    where is_counted
),

activity_totals as (
    select
        provider_id,
        report_year,
        sum(hours_of_instruction)::double as hours_of_instruction,
        sum(physician_interactions)::bigint as physician_interactions,
        sum(other_learner_interactions)::bigint as other_learner_interactions,
        count(*) filter (where is_jointly_provided) as jointly_provided_activities,
        count(*) filter (where has_commercial_support) as commercially_supported_activities,
        count(*) filter (where is_moc_registered) as moc_registered_activities,
        count(*) filter (where is_rems) as rems_activities,
        sum(commercial_support_income)::decimal(18, 2) as commercial_support_income
    from counted_activities
    group by provider_id, report_year
),

joined as (
    select
        provider_years.provider_id,
        provider_years.report_year,
        provider_years.organization_type,
        provider_years.accreditor_type,
        provider_years.census_region,
        provider_years.status_at_year_end,
        provider_years.is_accredited_at_year_end,
        provider_years.is_reporting,
        provider_years.activities_reported,
        provider_years.counted_activities,
        provider_years.activities_open_after_deadline,
        coalesce(activity_totals.hours_of_instruction, 0) as hours_of_instruction,
        coalesce(activity_totals.physician_interactions, 0) as physician_interactions,
        coalesce(activity_totals.other_learner_interactions, 0) as other_learner_interactions,
        coalesce(activity_totals.jointly_provided_activities, 0) as jointly_provided_activities,
        coalesce(activity_totals.commercially_supported_activities, 0) as commercially_supported_activities,
        coalesce(activity_totals.moc_registered_activities, 0) as moc_registered_activities,
        coalesce(activity_totals.rems_activities, 0) as rems_activities,
        coalesce(activity_totals.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income,
        provider_years.has_program_summary,
        provider_years.advertising_exhibit_income,
        provider_years.registration_fees,
        provider_years.government_grants,
        provider_years.private_donations,
        provider_years.other_income
    from provider_years
    left join activity_totals using (provider_id, report_year)
)

select * from joined
