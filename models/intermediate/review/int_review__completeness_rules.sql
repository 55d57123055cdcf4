-- The data-completeness rules of the review marts (spec section 4, last point), one row per rule, so that
-- per-provider counts can show a zero for a rule nothing breaks. The catalogue, with severity and fix, is the
-- seed completeness_rules.
with

    rules as (select * from {{ ref('completeness_rules') }}),

    typed as (
        select
            rule_order::integer as rule_order,
            rule_code::varchar as rule_code,
            rule_description::varchar as rule_description,
            severity::varchar as severity,
            (case severity when 'error' then 1 when 'warning' then 2 when 'info' then 3 end)::integer as severity_order,
            fix::varchar as fix
        from rules
    )

select *
from typed
