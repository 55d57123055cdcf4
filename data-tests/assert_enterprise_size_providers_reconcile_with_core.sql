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

    compared as (
        select
            coalesce(enterprise_size.report_year, core_totals.report_year) as report_year,
            coalesce(enterprise_size.accreditor_group, core_totals.accreditor_group) as accreditor_group,
            enterprise_size.providers_accredited as mart_providers_accredited,
            coalesce(core_totals.providers_accredited, 0) as core_providers_accredited,
            enterprise_size.providers_reporting as mart_providers_reporting,
            coalesce(core_totals.providers_reporting, 0) as core_providers_reporting
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
            mart_providers_accredited is null
            or mart_providers_accredited <> core_providers_accredited
            or mart_providers_reporting <> core_providers_reporting
    )

select *
from failing
