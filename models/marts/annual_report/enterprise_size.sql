-- "Size of the CME Enterprise" (Data Report Table 1, and the Supplement's split by accreditor): per report year
-- and accreditor group, the providers, the counted activities with their hours and interactions, and income.
-- Every provider-year counts in its own group and in All, so All is the sum of ACCME, State and Joint; every year
-- has all four groups, with zeros where a group has no provider.
with

    provider_years as (select * from {{ ref('int_annual_report__provider_years') }}),

    report_years as (select * from {{ ref('int_annual_report__report_years') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    provider_years_by_group as ({{ in_own_group_and_all('provider_years') }}),

    group_totals as (
        select
            report_year,
            accreditor_group,
            count(*) filter (where is_accredited_at_year_end) as providers_accredited,
            count(*) filter (where is_reporting) as providers_reporting,
            sum(activities) as activities,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions,
            sum(total_interactions) as total_interactions,
            sum(activities_with_commercial_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income,
            sum(advertising_exhibit_income) as advertising_exhibit_income,
            sum(registration_fees) as registration_fees,
            sum(government_grants) as government_grants,
            sum(private_donations) as private_donations,
            sum(other_income) as other_income,
            sum(total_income) as total_income
        from provider_years_by_group
        group by report_year, accreditor_group
    ),

    spine as (
        select report_years.report_year, accreditor_groups.accreditor_group
        from report_years
        cross join accreditor_groups
    ),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            coalesce(group_totals.providers_accredited, 0)::bigint as providers_accredited,
            coalesce(group_totals.providers_reporting, 0)::bigint as providers_reporting,
            coalesce(group_totals.activities, 0)::bigint as activities,
            coalesce(group_totals.hours_of_instruction, 0)::decimal(18, 2) as hours_of_instruction,
            coalesce(group_totals.physician_interactions, 0)::bigint as physician_interactions,
            coalesce(group_totals.other_learner_interactions, 0)::bigint as other_learner_interactions,
            coalesce(group_totals.total_interactions, 0)::bigint as total_interactions,
            coalesce(group_totals.activities_with_commercial_support, 0)::bigint as activities_with_commercial_support,
            coalesce(group_totals.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income,
            coalesce(group_totals.advertising_exhibit_income, 0)::decimal(18, 2) as advertising_exhibit_income,
            coalesce(group_totals.registration_fees, 0)::decimal(18, 2) as registration_fees,
            coalesce(group_totals.government_grants, 0)::decimal(18, 2) as government_grants,
            coalesce(group_totals.private_donations, 0)::decimal(18, 2) as private_donations,
            coalesce(group_totals.other_income, 0)::decimal(18, 2) as other_income,
            coalesce(group_totals.total_income, 0)::decimal(18, 2) as total_income
        from spine
        left join group_totals using (report_year, accreditor_group)
    )

select *
from filled
