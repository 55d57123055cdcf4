-- The completeness problems for reviewers: one row per activity and completeness rule it breaks, with a message
-- (the rules: intermediate int_review__completeness_problems, shared with the ops marts), and the date of the data
-- the time-dependent rules were answered as of.
-- A view: the table under it carries the constraints; the date is the newest export's, the same on every row
-- (kept out of the table, which is incremental by activity: every row of it would change with each load).
{{ config(materialized="view") }}
with

    problems as (select * from {{ ref('int_review__completeness_problems') }}),

    as_of as (select data_as_of_date from {{ ref('int_data_as_of') }})

select problems.*, as_of.data_as_of_date
from problems
cross join as_of
