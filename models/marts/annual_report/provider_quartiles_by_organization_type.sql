-- Quartiles per reporting provider by organization type (the Data Report's quartile tables, 2017 on): per report
-- year, accreditor group and organization type, the 25th percentile, median and 75th percentile of the counted
-- activities and of the total interactions (physician and other learners) of a reporting provider (one with at
-- least one counted activity). Continuous quantiles (linear interpolation between the two nearest providers).
-- Every organization type has a row; the quartiles are NULL where no provider of the type reports.
with

    provider_years as (select * from {{ ref('int_annual_report__provider_years') }}),

    report_years as (select * from {{ ref('int_annual_report__report_years') }}),

    accreditor_groups as (select * from {{ ref('accreditor_groups') }}),

    organization_types as (select * from {{ ref('organization_types') }}),

    reporting_provider_years as (select * from provider_years where is_reporting),

    provider_years_by_group as ({{ in_own_group_and_all('reporting_provider_years') }}),

    quartiles as (
        select
            report_year,
            accreditor_group,
            organization_type,
            count(*) as providers_reporting,
            quantile_cont(activities, 0.25) as activities_p25,
            quantile_cont(activities, 0.5) as activities_median,
            quantile_cont(activities, 0.75) as activities_p75,
            quantile_cont(total_interactions, 0.25) as interactions_p25,
            quantile_cont(total_interactions, 0.5) as interactions_median,
            quantile_cont(total_interactions, 0.75) as interactions_p75
        from provider_years_by_group
        group by report_year, accreditor_group, organization_type
    ),

    spine as ({{ year_group_spine(['organization_type']) }}),

    filled as (
        select
            spine.report_year::integer as report_year,
            spine.accreditor_group::varchar as accreditor_group,
            spine.organization_type::varchar as organization_type,
            coalesce(quartiles.providers_reporting, 0)::bigint as providers_reporting,
            quartiles.activities_p25::double as activities_p25,
            quartiles.activities_median::double as activities_median,
            quartiles.activities_p75::double as activities_p75,
            quartiles.interactions_p25::double as interactions_p25,
            quartiles.interactions_median::double as interactions_median,
            quartiles.interactions_p75::double as interactions_p75
        from spine
        left join quartiles using (report_year, accreditor_group, organization_type)
    )

select *
from filled
