-- The headline figures of the staff's data operations page, in one row: loads, the latest export, quarantined
-- rows, and the completeness rules and providers with problems, by severity: one late completion (a warning)
-- does not make a provider one "with errors".
with

    loads as (select * from {{ ref('stg_pars__load_history') }}),

    quarantine as (select * from {{ ref('stg_pars__quarantine') }}),

    completeness as (select * from {{ ref('int_review__completeness_by_provider') }}),

    latest_load as (select export_id, exported_at, loaded_at from loads order by load_id desc limit 1),

    summary as (
        select
            (select count(*) from loads) as loads,
            (select export_id from latest_load) as latest_export_id,
            (select exported_at from latest_load) as latest_exported_at,
            (select loaded_at from latest_load) as latest_loaded_at,
            (select count(*) from quarantine) as quarantined_rows,
            (select count(distinct rule_code) from completeness where activities_flagged > 0) as rules_with_problems,
            (
                select count(distinct provider_id) from completeness where activities_flagged > 0
            ) as providers_with_problems,
            (select count(distinct provider_id) from completeness) as providers_checked,
            (
                select count(distinct provider_id) from completeness where activities_flagged > 0 and severity = 'error'
            ) as providers_with_errors,
            (
                select count(distinct provider_id)
                from completeness
                where activities_flagged > 0 and severity = 'warning'
            ) as providers_with_warnings,
            (
                select count(distinct provider_id) from completeness where activities_flagged > 0 and severity = 'info'
            ) as providers_with_info
    )

select
    loads::bigint as loads,
    latest_export_id::varchar as latest_export_id,
    latest_exported_at::timestamp as latest_exported_at,
    latest_loaded_at::timestamp as latest_loaded_at,
    quarantined_rows::bigint as quarantined_rows,
    rules_with_problems::bigint as rules_with_problems,
    providers_with_problems::bigint as providers_with_problems,
    providers_checked::bigint as providers_checked,
    providers_with_errors::bigint as providers_with_errors,
    providers_with_warnings::bigint as providers_with_warnings,
    providers_with_info::bigint as providers_with_info
from summary
