-- One row per provider and report year (fct_provider_years: accreditation on 31 December, reporting or not)
-- with the totals of its counted activities and its program income. Missing amounts (no counted activity, no
-- program summary) are 0 here, so that every mart can simply add provider-years up.
with

provider_years as (
    select * from {{ ref('fct_provider_years') }}
),

counted_activities as (
    select * from {{ ref('int_annual_report__counted_activities') }}
),

activity_totals as (
    select
        provider_id,
        report_year,
        count(*) as activities,
        sum(hours_of_instruction) as hours_of_instruction,
        sum(physician_interactions) as physician_interactions,
        sum(other_learner_interactions) as other_learner_interactions,
        sum(total_interactions) as total_interactions,
        count(*) filter (where has_commercial_support) as activities_with_commercial_support,
        sum(commercial_support_income) as commercial_support_income
    from counted_activities
    group by provider_id, report_year
),

joined as (
    select
        provider_years.provider_id,
        provider_years.report_year,
        provider_years.organization_type,
        provider_years.accreditor_type,
        provider_years.status_at_year_end,
        provider_years.is_accredited_at_year_end,
        provider_years.is_reporting,
        coalesce(activity_totals.activities, 0)::bigint as activities,
        coalesce(activity_totals.hours_of_instruction, 0)::decimal(18, 4) as hours_of_instruction,
        coalesce(activity_totals.physician_interactions, 0)::bigint as physician_interactions,
        coalesce(activity_totals.other_learner_interactions, 0)::bigint as other_learner_interactions,
        coalesce(activity_totals.total_interactions, 0)::bigint as total_interactions,
        coalesce(activity_totals.activities_with_commercial_support, 0)::bigint
            as activities_with_commercial_support,
        coalesce(activity_totals.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income,
        coalesce(provider_years.advertising_exhibit_income, 0)::decimal(18, 2) as advertising_exhibit_income,
        coalesce(provider_years.registration_fees, 0)::decimal(18, 2) as registration_fees,
        coalesce(provider_years.government_grants, 0)::decimal(18, 2) as government_grants,
        coalesce(provider_years.private_donations, 0)::decimal(18, 2) as private_donations,
        coalesce(provider_years.other_income, 0)::decimal(18, 2) as other_income
    from provider_years
    left join activity_totals using (provider_id, report_year)
),

with_total_income as (
    select
        *,
        (commercial_support_income + advertising_exhibit_income + registration_fees + government_grants
            + private_donations + other_income)::decimal(18, 2) as total_income
    from joined
)

select * from with_total_income
