-- One row per provider and report year, identified, for anonymize/ only: status, counted activities and
-- their totals, commercial support and program income (all as core.fct_provider_years derives them). The only
-- research table with dollar amounts.
with

    provider_years as (select * from {{ ref('fct_provider_years') }}),

    selected as (
        select
            provider_id,
            report_year,
            organization_type,
            accreditor_type,
            census_region,
            status_at_year_end,
            is_accredited_at_year_end,
            is_reporting,
            activities_reported,
            counted_activities,
            activities_open_after_deadline,
            hours_of_instruction,
            physician_interactions,
            other_learner_interactions,
            jointly_provided_activities,
            activities_with_commercial_support as commercially_supported_activities,
            moc_registered_activities,
            rems_activities,
            commercial_support_income,
            has_program_summary,
            advertising_exhibit_income,
            registration_fees,
            government_grants,
            private_donations,
            other_income
        from provider_years
    )

select *
from selected
