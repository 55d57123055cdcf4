-- Every rule pars load quarantines a row for, with what it means and how to fix it (seed quarantine_rules), for the
-- reports and dashboards, which read marts only.
with

    rules as (select * from {{ ref('quarantine_rules') }}),

    typed as (
        select
            rule_name::varchar as rule_name,
            rule_order::integer as rule_order,
            rule_stage::varchar as rule_stage,
            rule_description::varchar as rule_description,
            fix::varchar as fix
        from rules
    )

select *
from typed
