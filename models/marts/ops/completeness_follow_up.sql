-- The follow-up list to send to providers: one row per provider and completeness rule it breaks, with the
-- problem, how many activities, which ones (by the provider's own activity ids), and what to fix. Errors first.
with

    providers as (select * from {{ ref('dim_providers') }}),

    detail as (select * from {{ ref('int_review__completeness_problems') }}),

    rules as (select * from {{ ref('int_review__completeness_rules') }}),

    -- per provider, rule and year: its activities, and how many of them come in earlier years
    by_year as (
        select
            provider_id,
            rule_code,
            report_year,
            count(*) as activities,
            sum(affected_records) as affected_records,
            sum(count(*)) over (partition by provider_id, rule_code order by report_year) - count(*) as before_year
        from detail
        group by provider_id, rule_code, report_year
    ),

    listed_counts as (
        select
            provider_id,
            rule_code,
            sum(activities) as activities_flagged,
            sum(affected_records) as affected_records,
            min(report_year) as first_report_year,
            max(report_year) as last_report_year
        from by_year
        group by provider_id, rule_code
    ),

    -- the years that can hold one of a provider's first 20 ids of a rule (listed by year first): those with fewer
    -- than 20 of its activities in earlier years (the natural key below is most of this model's cost: at a decade
    -- it is computed for about a third of the 440k rows instead of all)
    early_years as (select provider_id, rule_code, report_year from by_year where before_year < 20),

    -- a sort key for natural order: every run of digits padded to 20 places (A2 before A10)
    keyed as (
        select
            provider_id,
            rule_code,
            report_year,
            provider_activity_id,
            array_to_string(
                list_transform(
                    regexp_extract_all(provider_activity_id, '[0-9]+|[^0-9]+'),
                    lambda part: case when regexp_full_match(part, '[0-9]+') then lpad(part, 20, '0') else part end
                ),
                ''
            ) as natural_key
        from detail
        semi join early_years using (provider_id, rule_code, report_year)
    ),

    -- the provider's own ids in natural order (year, then A2 before A10), the first 20 listed
    first_ids as (
        select
            provider_id,
            rule_code,
            list(provider_activity_id order by report_year, natural_key, provider_activity_id)[1:20] as activity_ids
        from keyed
        group by provider_id, rule_code
    ),

    listed as (select * from listed_counts inner join first_ids using (provider_id, rule_code)),

    follow_up as (
        select
            listed.provider_id,
            providers.provider_name,
            providers.state,
            rules.severity,
            rules.severity_order,
            rules.rule_order,
            listed.rule_code,
            rules.rule_description as problem,
            listed.activities_flagged,
            listed.affected_records,
            listed.first_report_year,
            listed.last_report_year,
            array_to_string(listed.activity_ids, ', ') || case
                when listed.activities_flagged > 20 then format(' and {} more', listed.activities_flagged - 20) else ''
            end as activities,
            rules.fix
        from listed
        inner join rules using (rule_code)
        left join providers using (provider_id)
    )

select
    provider_id::varchar as provider_id,
    provider_name::varchar as provider_name,
    state::varchar as state,
    severity::varchar as severity,
    severity_order::integer as severity_order,
    rule_order::integer as rule_order,
    rule_code::varchar as rule_code,
    problem::varchar as problem,
    activities_flagged::bigint as activities_flagged,
    affected_records::bigint as affected_records,
    first_report_year::integer as first_report_year,
    last_report_year::integer as last_report_year,
    activities::varchar as activities,
    fix::varchar as fix
from follow_up
