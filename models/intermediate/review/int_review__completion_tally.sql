-- Per activity with learner completions: what the completeness rules about completions need (how many, how many
-- late or rejected, the boards they were reported to, the ABP credit amounts). Depends on the data alone, so it is
-- incremental by activity (macros/incremental/build_watermarks.sql): a build recomputes the activities of the
-- completions changed since its last one (every version's activity, and the activities whose row, registration or
-- provider a load wrote), instead of grouping every completion again; int_review__completeness_problems, which
-- depends on the newest export's date, stays a full table reading one row per activity from here.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_completions_activities() }}",
        post_hook="{{ remember_seen_load(this.name) }}",
    )
}}
-- depends_on: {{ ref('stg_pars__load_history') }}
-- depends_on: {{ ref('stg_pars__record_changes') }}
-- depends_on: {{ ref('stg_pars__activities') }}
-- depends_on: {{ ref('stg_pars__learner_completion_versions') }}
-- depends_on: {{ ref('stg_pars__completion_changes') }}
with

    completions as (
        select activity_id, board, credits, days_to_report, is_late, completion_status
        from {{ ref('fct_learner_completions') }}
        {%- if is_incremental() %}
            where activity_id in (select activity_id from {{ affected_activities_table() }})
        {%- endif %}
    ),

    tally as (
        select
            activity_id,
            count(*) as completions,
            count(*) filter (where is_late) as late_completions,
            max(days_to_report) as max_days_to_report,
            count(*) filter (where completion_status = 'Rejected') as rejected_completions,
            list(distinct board order by board) as boards,
            count(*) filter (where board = 'ABP') as abp_completions,
            count(distinct credits) filter (where board = 'ABP') as abp_credit_amounts,
            string_agg(distinct credits::varchar, ', ' order by credits::varchar) filter (
                where board = 'ABP'
            ) as abp_credit_amount_list
        from completions
        group by activity_id
    )

select *
from tally
