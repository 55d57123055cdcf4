-- review.data_completeness_by_provider counts exactly the detail rows of review.data_completeness, per
-- provider and rule, and holds every rule for each of its providers. Returns the pairs that differ.
-- (Reads only review models, so a partial build of another consumer never selects this test.)
with

    detail as (
        select provider_id, rule_code, count(*) as activities_flagged, sum(affected_records) as affected_records
        from {{ ref('data_completeness') }}
        group by provider_id, rule_code
    ),

    counts as (select * from {{ ref('data_completeness_by_provider') }}),

    rules as (select rule_code from {{ ref('int_review__completeness_rules') }}),

    expected_pairs as (
        select providers.provider_id, rules.rule_code
        from (select distinct provider_id from counts) as providers
        cross join rules
    ),

    compared as (
        select
            coalesce(expected_pairs.provider_id, counts.provider_id) as provider_id,
            coalesce(expected_pairs.rule_code, counts.rule_code) as rule_code,
            coalesce(detail.activities_flagged, 0) as detail_rows,
            counts.activities_flagged
        from expected_pairs
        full outer join counts using (provider_id, rule_code)
        left join detail using (provider_id, rule_code)
        where
            expected_pairs.provider_id is null
            or counts.provider_id is null
            or coalesce(detail.activities_flagged, 0) <> counts.activities_flagged
            or coalesce(detail.affected_records, 0) <> counts.affected_records
    ),

    orphan_detail as (
        select
            detail.provider_id, detail.rule_code, detail.activities_flagged as detail_rows, null as activities_flagged
        from detail
        anti join counts using (provider_id, rule_code)
    )

select *
from compared
union all
select *
from orphan_detail
