-- enterprise_size's program income equals the sums over fct_program_summaries of the year, for each accreditor
-- group and for All, column by column; total_income adds commercial support. Returns the rows that differ.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    summaries as (select * from {{ ref('fct_program_summaries') }}),

    summaries_by_group as (
        select
            summaries.report_year,
            groups.accreditor_group,
            summaries.advertising_exhibit_income,
            summaries.registration_fees,
            summaries.government_grants,
            summaries.private_donations,
            summaries.other_income
        from summaries
        cross join (values ('All'), ('ACCME'), ('State'), ('Joint')) as groups(accreditor_group)
        where groups.accreditor_group in (summaries.accreditor_type, 'All')
    ),

    core_totals as (
        select
            report_year,
            accreditor_group,
            sum(advertising_exhibit_income) as advertising_exhibit_income,
            sum(registration_fees) as registration_fees,
            sum(government_grants) as government_grants,
            sum(private_donations) as private_donations,
            sum(coalesce(other_income, 0)) as other_income
        from summaries_by_group
        group by report_year, accreditor_group
    ),

    compared as (
        select
            coalesce(enterprise_size.report_year, core_totals.report_year) as report_year,
            coalesce(enterprise_size.accreditor_group, core_totals.accreditor_group) as accreditor_group,
            enterprise_size.advertising_exhibit_income as mart_advertising_exhibit_income,
            coalesce(core_totals.advertising_exhibit_income, 0) as core_advertising_exhibit_income,
            enterprise_size.registration_fees as mart_registration_fees,
            coalesce(core_totals.registration_fees, 0) as core_registration_fees,
            enterprise_size.government_grants as mart_government_grants,
            coalesce(core_totals.government_grants, 0) as core_government_grants,
            enterprise_size.private_donations as mart_private_donations,
            coalesce(core_totals.private_donations, 0) as core_private_donations,
            enterprise_size.other_income as mart_other_income,
            coalesce(core_totals.other_income, 0) as core_other_income,
            enterprise_size.total_income as mart_total_income,
            enterprise_size.commercial_support_income
            + coalesce(core_totals.advertising_exhibit_income, 0)
            + coalesce(core_totals.registration_fees, 0)
            + coalesce(core_totals.government_grants, 0)
            + coalesce(core_totals.private_donations, 0)
            + coalesce(core_totals.other_income, 0) as expected_total_income
        from enterprise_size
        full outer join
            core_totals
            on enterprise_size.report_year = core_totals.report_year
            and enterprise_size.accreditor_group = core_totals.accreditor_group
    ),

    failing as (
        select *
        from compared
        where
            mart_advertising_exhibit_income is null
            or mart_advertising_exhibit_income <> core_advertising_exhibit_income
            or mart_registration_fees <> core_registration_fees
            or mart_government_grants <> core_government_grants
            or mart_private_donations <> core_private_donations
            or mart_other_income <> core_other_income
            or mart_total_income <> expected_total_income
    )

select *
from failing
