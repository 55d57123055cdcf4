-- moc.board_summary accounts for every learner completion and registration of core, once: per year of
-- completion and board, its counts equal those taken straight from fct_learner_completions, and its
-- registered_activities equal the rows of fct_activity_moc_registrations. Returns the rows that differ.
-- A build after loads (macros/incremental/check_scope.sql) reconciles the years those loads can have changed: the
-- reporting years they touched and the years of completion whose counts they can have changed (the completions
-- they wrote, those of activities they created or deleted: macros/incremental/completion_count_years.sql), the
-- years board_summary rebuilds; in the other years, the rows of board_summary, the registrations and the fields
-- of fct_learner_completions counted here are those an earlier build reconciled, unchanged since.
{%- set since = check_scope_since() %}
{%- set years -%}
{%- if since is not none -%}
    (
        select report_year
        from {{ relation_named('stg_pars__report_year_changes') }}
        where load_id > {{ since }}
        union
        select report_year from ({{ completion_count_years_changed_since(since, relation_named) }}) as counted
    )
{%- endif -%}
{%- endset %}
{%- set completion_years_in_scope = 'true' if since is none else 'completion_year in ' ~ years %}
{%- set report_years_in_scope = 'true' if since is none else 'report_year in ' ~ years %}
with

    completions as (
        select
            completion_year::integer as report_year,
            board,
            count(*) as completions,
            count(*) filter (where completion_status = 'Accepted') as completions_accepted,
            count(*) filter (where completion_status = 'Rejected') as completions_rejected,
            count(*) filter (where completion_status = 'Pending') as completions_pending,
            count(distinct learner_key) filter (where completion_status = 'Accepted') as distinct_learners,
            coalesce(sum(credits) filter (where completion_status = 'Accepted'), 0) as credits_awarded,
            count(*) filter (where is_late) as late_completions
        from {{ ref('fct_learner_completions') }}
        where {{ completion_years_in_scope }}
        group by all
    ),

    registrations as (
        select report_year, board, count(*) as registered_activities
        from {{ ref('fct_activity_moc_registrations') }}
        where {{ report_years_in_scope }}
        group by all
    ),

    expected as (
        select
            coalesce(completions.report_year, registrations.report_year) as report_year,
            coalesce(completions.board, registrations.board) as board,
            coalesce(registrations.registered_activities, 0) as registered_activities,
            coalesce(completions.completions, 0) as completions,
            coalesce(completions.completions_accepted, 0) as completions_accepted,
            coalesce(completions.completions_rejected, 0) as completions_rejected,
            coalesce(completions.completions_pending, 0) as completions_pending,
            coalesce(completions.distinct_learners, 0) as distinct_learners,
            coalesce(completions.credits_awarded, 0) as credits_awarded,
            coalesce(completions.late_completions, 0) as late_completions
        from completions
        full outer join registrations using (report_year, board)
    ),

    summary as (select * from {{ ref('board_summary') }} where {{ report_years_in_scope }}),

    compared as (
        select
            coalesce(expected.report_year, summary.report_year) as report_year,
            coalesce(expected.board, summary.board) as board,
            expected.completions as expected_completions,
            summary.completions,
            expected.credits_awarded as expected_credits_awarded,
            summary.credits_awarded
        from expected
        full outer join summary using (report_year, board)
        where
            expected.report_year is null
            or summary.report_year is null
            or expected.registered_activities <> summary.registered_activities
            or expected.completions <> summary.completions
            or expected.completions_accepted <> summary.completions_accepted
            or expected.completions_rejected <> summary.completions_rejected
            or expected.completions_pending <> summary.completions_pending
            or summary.completions_accepted + summary.completions_rejected + summary.completions_pending
            <> summary.completions
            or expected.distinct_learners <> summary.distinct_learners
            or abs(expected.credits_awarded - summary.credits_awarded) > 0.005
            or expected.late_completions <> summary.late_completions
    )

select *
from compared
