-- Quarantined rows of every load by file and rule (raw.quarantine holds one row per rejected input row), for the
-- staff's data operations page, with each rule's stage, sentence and fix (seed quarantine_rules).
with

    quarantine as (select * from {{ ref('stg_pars__quarantine') }}),

    rules as (select * from {{ ref('quarantine_rules') }}),

    summarized as (
        select
            load_id,
            any_value(export_id) as export_id,
            file_name,
            rule_name,
            count(*) as quarantined_rows,
            count(distinct column_name) as columns_involved,
            min(line_number) as first_line,
            max(line_number) as last_line
        from quarantine
        group by load_id, file_name, rule_name
    ),

    described as (
        select summarized.*, rules.rule_stage, rules.rule_description, rules.fix
        from summarized
        left join rules using (rule_name)
    )

select
    load_id::integer as load_id,
    export_id::varchar as export_id,
    file_name::varchar as file_name,
    rule_name::varchar as rule_name,
    quarantined_rows::bigint as quarantined_rows,
    columns_involved::bigint as columns_involved,
    first_line::bigint as first_line,
    last_line::bigint as last_line,
    rule_stage::varchar as rule_stage,
    rule_description::varchar as rule_description,
    fix::varchar as fix
from described
