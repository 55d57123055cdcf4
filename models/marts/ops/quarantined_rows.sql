-- Every quarantined input row of every load (raw.quarantine), for the data operations page's list of the rows of
-- one load, file and rule. A view: a table would copy every rejected row (and its raw record) once more, and the
-- page reads at most 1,000 of them.
{{ config(materialized="view") }}

with quarantine as (select * from {{ ref('stg_pars__quarantine') }})

select *
from quarantine
