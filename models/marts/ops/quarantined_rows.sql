-- Every quarantined input row of every load (raw.quarantine), for the data operations page's list of the rows of
-- one load, file and rule. A view: a table would copy every rejected row (and its raw record) once more, and the
-- page reads at most 1,000 of them.
{{ config(materialized="view") }}

with

    quarantine as (select * from {{ ref('stg_pars__quarantine') }}),

    typed as (
        select
            load_id::integer as load_id,
            export_id::varchar as export_id,
            file_name::varchar as file_name,
            line_number::bigint as line_number,
            column_name::varchar as column_name,
            rule_name::varchar as rule_name,
            raw_value::varchar as raw_value,
            raw_record::json as raw_record
        from quarantine
    )

select *
from typed
