-- One row per provider and completeness rule: how many of the provider's activities break the rule (zero
-- included, so a reviewer sees every rule checked). Published as review.data_completeness_by_provider; the ops
-- marts add it up.
with

    providers as (select provider_id from {{ ref('dim_providers') }}),

    rules as (select * from {{ ref('int_review__completeness_rules') }}),

    detail as (select * from {{ ref('int_review__completeness_problems') }}),

    tally as (
        select provider_id, rule_code, count(*) as activities_flagged, sum(affected_records)::bigint as affected_records
        from detail
        group by provider_id, rule_code
    ),

    joined as (
        select
            providers.provider_id,
            rules.rule_code,
            rules.rule_order,
            rules.rule_description,
            coalesce(tally.activities_flagged, 0) as activities_flagged,
            coalesce(tally.affected_records, 0) as affected_records,
            rules.severity,
            rules.severity_order
        from providers
        cross join rules
        left join tally using (provider_id, rule_code)
    )

select *
from joined
