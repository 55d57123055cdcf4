-- Completeness problems across all providers, one row per rule: how many providers and activities break it
-- (from review.data_completeness_by_provider), with the rule's severity and fix, for the staff's
-- data-completeness overview.
with

    by_provider as (select * from {{ ref('int_review__completeness_by_provider') }}),

    rules as (select * from {{ ref('int_review__completeness_rules') }}),

    overview as (
        select
            rule_code,
            any_value(rule_order) as rule_order,
            any_value(rule_description) as rule_description,
            count(*) as providers_checked,
            count(*) filter (where activities_flagged > 0) as providers_flagged,
            sum(activities_flagged) as activities_flagged,
            sum(affected_records) as affected_records
        from by_provider
        group by rule_code
    ),

    described as (
        select overview.*, rules.severity, rules.severity_order, rules.fix
        from overview
        left join rules using (rule_code)
    )

select
    rule_code::varchar as rule_code,
    rule_order::integer as rule_order,
    rule_description::varchar as rule_description,
    providers_checked::bigint as providers_checked,
    providers_flagged::bigint as providers_flagged,
    (providers_flagged / nullif(providers_checked, 0))::double as share_of_providers_flagged,
    activities_flagged::bigint as activities_flagged,
    affected_records::bigint as affected_records,
    severity::varchar as severity,
    severity_order::integer as severity_order,
    fix::varchar as fix
from described
