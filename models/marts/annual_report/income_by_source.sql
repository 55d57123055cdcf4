-- Income by source (Data Report "Income" table): the six income lines of enterprise_size in long form, in the
-- Data Report's order, with each line's share of the group's total income.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    sources as (
        unpivot enterprise_size on commercial_support_income,
        advertising_exhibit_income,
        registration_fees,
        government_grants,
        private_donations,
        other_income
        into name income_column value income
    ),

    labelled as (
        select
            report_year,
            accreditor_group,
            case
                income_column
                when 'commercial_support_income'
                then 1
                when 'advertising_exhibit_income'
                then 2
                when 'registration_fees'
                then 3
                when 'government_grants'
                then 4
                when 'private_donations'
                then 5
                else 6
            end::integer as source_order,
            case
                income_column
                when 'commercial_support_income'
                then 'Commercial support'
                when 'advertising_exhibit_income'
                then 'Advertising and exhibits'
                when 'registration_fees'
                then 'Registration fees'
                when 'government_grants'
                then 'Government grants'
                when 'private_donations'
                then 'Private donations'
                else 'Other income'
            end as income_source,
            income::decimal(18, 2) as income,
            total_income
        from sources
    ),

    shared as (
        select
            report_year,
            accreditor_group,
            source_order,
            income_source,
            income,
            case when total_income > 0 then (income / total_income)::double end as share_of_total_income
        from labelled
    )

select *
from shared
