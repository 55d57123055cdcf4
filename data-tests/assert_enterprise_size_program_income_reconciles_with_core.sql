-- enterprise_size's program income equals the sums over fct_program_summaries of the year, for each accreditor
-- group and for All, column by column; total_income adds commercial support to them. Returns the rows that differ.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    summaries as (select * from {{ ref('fct_program_summaries') }}),

    mart_income as (
        select
            report_year,
            accreditor_group,
            advertising_exhibit_income,
            registration_fees,
            government_grants,
            private_donations,
            other_income,
            total_income - commercial_support_income as program_income
        from enterprise_size
    ),

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

    core_income as (
        select
            *,
            advertising_exhibit_income
            + registration_fees
            + government_grants
            + private_donations
            + other_income as program_income
        from core_totals
    ),

    failing as (
        {{
            rows_that_differ(
                "mart_income",
                "core_income",
                ["report_year", "accreditor_group"],
                [
                    "advertising_exhibit_income",
                    "registration_fees",
                    "government_grants",
                    "private_donations",
                    "other_income",
                    "program_income",
                ],
                absent_is_zero=true,
            )
        }}
    )

select *
from failing
