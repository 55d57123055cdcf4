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

    compared as (
        select
            coalesce(enterprise_size.report_year, type_totals.report_year) as report_year,
            coalesce(enterprise_size.accreditor_group, type_totals.accreditor_group) as accreditor_group,
            enterprise_size.providers_reporting as size_providers_reporting,
            type_totals.providers_reporting as types_providers_reporting,
            enterprise_size.commercial_support_income as size_commercial_support_income,
            type_totals.commercial_support_income as types_commercial_support_income,
            enterprise_size.advertising_exhibit_income as size_advertising_exhibit_income,
            type_totals.advertising_exhibit_income as types_advertising_exhibit_income,
            enterprise_size.registration_fees as size_registration_fees,
            type_totals.registration_fees as types_registration_fees,
            enterprise_size.government_grants as size_government_grants,
            type_totals.government_grants as types_government_grants,
            enterprise_size.private_donations as size_private_donations,
            type_totals.private_donations as types_private_donations,
            enterprise_size.other_income as size_other_income,
            type_totals.other_income as types_other_income,
            enterprise_size.total_income as size_total_income,
            type_totals.total_income as types_total_income
        from enterprise_size
        full outer join
            type_totals
            on enterprise_size.report_year = type_totals.report_year
            and enterprise_size.accreditor_group = type_totals.accreditor_group
    ),

    failing as (
        select *
        from compared
        where
            size_providers_reporting is distinct from types_providers_reporting
            or size_commercial_support_income is distinct from types_commercial_support_income
            or size_advertising_exhibit_income is distinct from types_advertising_exhibit_income
            or size_registration_fees is distinct from types_registration_fees
            or size_government_grants is distinct from types_government_grants
            or size_private_donations is distinct from types_private_donations
            or size_other_income is distinct from types_other_income
            or size_total_income is distinct from types_total_income
    )

select *
from failing
