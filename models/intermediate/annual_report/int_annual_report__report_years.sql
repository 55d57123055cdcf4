-- The reporting years the annual report covers: every year core knows of (a year with an activity or a program
-- summary, as in fct_provider_years). Marts cross it with their code lists so every year has every row.
with

    provider_years as (select * from {{ ref('fct_provider_years') }}),

    report_years as (select distinct report_year from provider_years)

select *
from report_years
