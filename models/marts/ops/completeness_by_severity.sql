-- Completeness problems counted by severity (error, warning, info): rules, providers and activities, for the
-- data operations page. A provider counts once per severity it has; every severity has a row, zero included.
with

    by_provider as (select * from {{ ref('int_review__completeness_by_provider') }}),

    rules as (select * from {{ ref('int_review__completeness_rules') }}),

    severities as (
        select severity, any_value(severity_order) as severity_order, count(*) as rules from rules group by severity
    ),

    flagged as (
        select
            severity,
            count(distinct rule_code) as rules_with_problems,
            count(distinct provider_id) as providers_flagged,
            sum(activities_flagged) as activities_flagged,
            sum(affected_records) as affected_records
        from by_provider
        where activities_flagged > 0
        group by severity
    ),

    providers as (select count(distinct provider_id) as providers_checked from by_provider),

    joined as (
        select
            severities.severity,
            severities.severity_order,
            severities.rules,
            coalesce(flagged.rules_with_problems, 0) as rules_with_problems,
            coalesce(flagged.providers_flagged, 0) as providers_flagged,
            providers.providers_checked,
            coalesce(flagged.activities_flagged, 0) as activities_flagged,
            coalesce(flagged.affected_records, 0) as affected_records
        from severities
        cross join providers
        left join flagged using (severity)
    )

select
    severity::varchar as severity,
    severity_order::integer as severity_order,
    rules::bigint as rules,
    rules_with_problems::bigint as rules_with_problems,
    providers_flagged::bigint as providers_flagged,
    providers_checked::bigint as providers_checked,
    activities_flagged::bigint as activities_flagged,
    affected_records::bigint as affected_records
from joined
