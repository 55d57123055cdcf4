-- income_by_organization_type summed over organization types equals enterprise_size for every report year and
-- accreditor group: every income column and providers_reporting. Returns the rows that differ.
with

    income_by_organization_type as (select * from {{ ref('income_by_organization_type') }}),

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    type_totals as (
        select
            report_year,
            accreditor_group,
            sum(providers_reporting) as providers_reporting,
            sum(commercial_support_income) as commercial_support_income,
            sum(advertising_exhibit_income) as advertising_exhibit_income,
            sum(registration_fees) as registration_fees,
            sum(government_grants) as government_grants,
            sum(private_donations) as private_donations,
            sum(other_income) as other_income,
            sum(total_income) as total_income
        from income_by_organization_type
        group by report_year, accreditor_group
    ),

    failing as (
        {{
            rows_that_differ(
                "enterprise_size",
                "type_totals",
                ["report_year", "accreditor_group"],
                [
                    "providers_reporting",
                    "commercial_support_income",
                    "advertising_exhibit_income",
                    "registration_fees",
                    "government_grants",
                    "private_donations",
                    "other_income",
                    "total_income",
                ],
            )
        }}
    )

select *
from failing
