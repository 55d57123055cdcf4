-- enterprise_size's provider counts equal fct_provider_years: providers accredited on 31 December and providers
-- with a counted activity, per report year, for each accreditor group and for All. Returns the rows that differ.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    provider_years as (select * from {{ ref('fct_provider_years') }}),

    core_totals as (
        select
            provider_years.report_year,
            groups.accreditor_group,
            count(distinct provider_years.provider_id) filter (
                where provider_years.is_accredited_at_year_end
            ) as providers_accredited,
            count(distinct provider_years.provider_id) filter (
                where provider_years.counted_activities > 0
            ) as providers_reporting
        from provider_years
        cross join (values ('All'), ('ACCME'), ('State'), ('Joint')) as groups(accreditor_group)
        where groups.accreditor_group in (provider_years.accreditor_type, 'All')
        group by provider_years.report_year, groups.accreditor_group
    ),

    failing as (
        {{
            rows_that_differ(
                "enterprise_size",
                "core_totals",
                ["report_year", "accreditor_group"],
                ["providers_accredited", "providers_reporting"],
                absent_is_zero=true,
            )
        }}
    )

select *
from failing
