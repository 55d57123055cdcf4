-- One row per provider per reporting year: program income by source (commercial support is not here: it
-- is the sum of supporters' monetary amounts on the provider's counted activities, see fct_activities).
with

    summaries as (select * from {{ ref('stg_pars__program_summaries') }}),

    providers as (select provider_id, organization_type, accreditor_type from {{ ref('dim_providers') }}),

    joined as (
        select
            summaries.provider_id,
            summaries.reporting_year as report_year,
            providers.organization_type,
            providers.accreditor_type,
            summaries.advertising_exhibit_income,
            summaries.registration_fees,
            summaries.government_grants,
            summaries.private_donations,
            coalesce(summaries.other_income, 0)::decimal(18, 2) as other_income,
            summaries.total_expenses,
            summaries.submitted_date
        from summaries
        left join providers using (provider_id)
    )

select *
from joined
