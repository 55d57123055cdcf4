-- How many of each provider's activities break each completeness rule, zero included, for reviewers (the counts:
-- intermediate int_review__completeness_by_provider, shared with the ops marts).
with by_provider as (select * from {{ ref('int_review__completeness_by_provider') }}) select * from by_provider
