-- The completeness problems for reviewers: one row per activity and completeness rule it breaks, with a message
-- (the rules: intermediate int_review__completeness_problems, shared with the ops marts).
-- A view: the table under it is rebuilt by every build (its rules read the newest export's date), and a copy of
-- its rows here was rewritten with it (0.5 s at a decade, 440k rows); its constraints are the table's.
{{ config(materialized="view") }}
with problems as (select * from {{ ref('int_review__completeness_problems') }})
select *
from problems
