-- Every loaded version of every learner completion, as the loader stored it (raw.learner_completions), not ranked:
-- the incremental build of fct_learner_completions picks the latest live version of only the completions a load
-- touched, which a filter on stg_pars__learner_completions (every completion ranked first) would make slow.
with versions as (select * from {{ source('pars', 'learner_completions') }}) select * from versions
