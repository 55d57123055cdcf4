-- The completeness problems for reviewers: one row per activity and completeness rule it breaks, with a message
-- (the rules: intermediate int_review__completeness_problems, shared with the ops marts).
with problems as (select * from {{ ref('int_review__completeness_problems') }}) select * from problems
