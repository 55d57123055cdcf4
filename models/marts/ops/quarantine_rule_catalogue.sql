-- Every rule pars load quarantines a row for, with what it means and how to fix it (seed quarantine_rules), for the
-- data operations page, which reads marts only. The seed's column_types give the types.
with quarantine_rules as (select * from {{ ref('quarantine_rules') }}) select * from quarantine_rules
