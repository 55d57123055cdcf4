-- Income by organization type (Data Report Table 7), per report year and accreditor group: commercial support
-- (supporters of counted activities), the five program income lines of the providers' program summaries, their
-- total, and the providers reporting. Every organization type has a row, zeros when it has no provider.
with

    provider_years as (select * from {{ ref('int_annual_report__provider_years') }}),

    report_years as (select * from {{ ref('int_annual_report__report_years') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    organization_types as (select * from {{ ref('organization_types') }}),

    provider_years_by_group as ({{ in_own_group_and_all('provider_years') }}),

    type_totals as (
        select
            report_year,
            accreditor_group,
            organization_type,
            count(*) filter (where is_reporting) as providers_reporting,
            sum(commercial_support_income) as commercial_support_income,
            sum(advertising_exhibit_income) as advertising_exhibit_income,
            sum(registration_fees) as registration_fees,
            sum(government_grants) as government_grants,
            sum(private_donations) as private_donations,
            sum(other_income) as other_income,
            sum(total_income) as total_income
        from provider_years_by_group
        group by report_year, accreditor_group, organization_type
    ),

    spine as ({{ year_group_spine(['organization_type']) }}),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            spine.organization_type::varchar as organization_type,
            coalesce(type_totals.providers_reporting, 0)::bigint as providers_reporting,
            coalesce(type_totals.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income,
            coalesce(type_totals.advertising_exhibit_income, 0)::decimal(18, 2) as advertising_exhibit_income,
            coalesce(type_totals.registration_fees, 0)::decimal(18, 2) as registration_fees,
            coalesce(type_totals.government_grants, 0)::decimal(18, 2) as government_grants,
            coalesce(type_totals.private_donations, 0)::decimal(18, 2) as private_donations,
            coalesce(type_totals.other_income, 0)::decimal(18, 2) as other_income,
            coalesce(type_totals.total_income, 0)::decimal(18, 2) as total_income
        from spine
        left join type_totals using (report_year, accreditor_group, organization_type)
    )

select *
from filled
