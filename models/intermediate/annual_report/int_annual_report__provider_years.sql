-- One row per provider and report year (fct_provider_years: accreditation on 31 December, reporting or not)
-- with the totals of its counted activities and its program income, as fct_provider_years derives them. Missing
-- amounts (no program summary) are 0 here, so that every mart can simply add provider-years up.
with

    provider_years as (select * from {{ ref('fct_provider_years') }}),

    joined as (
        select
            provider_id,
            report_year,
            organization_type,
            accreditor_type,
            status_at_year_end,
            is_accredited_at_year_end,
            is_reporting,
            counted_activities as activities,
            hours_of_instruction,
            physician_interactions,
            other_learner_interactions,
            total_interactions,
            activities_with_commercial_support,
            commercial_support_income,
            coalesce(advertising_exhibit_income, 0)::decimal(18, 2) as advertising_exhibit_income,
            coalesce(registration_fees, 0)::decimal(18, 2) as registration_fees,
            coalesce(government_grants, 0)::decimal(18, 2) as government_grants,
            coalesce(private_donations, 0)::decimal(18, 2) as private_donations,
            coalesce(other_income, 0)::decimal(18, 2) as other_income
        from provider_years
    ),

    with_total_income as (
        select
            *,
            (
                commercial_support_income
                + advertising_exhibit_income
                + registration_fees
                + government_grants
                + private_donations
                + other_income
            )::decimal(18, 2) as total_income
        from joined
    )

select *
from with_total_income
