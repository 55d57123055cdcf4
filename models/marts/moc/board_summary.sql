-- One row per year of completion and board: what providers reported to the board that year, and how the
-- board answered. Lateness is core's rule (fct_learner_completions.is_late: more than 30 days).
-- Incremental by year: a build recomputes the reporting years its loads touched (the registrations' years) and
-- the years of completion whose counts they can have changed: those of the completions they wrote, and of those
-- naming an activity they created or deleted; not those of an activity's other changes (an update to its row, its
-- registration or its provider changes no field counted here: macros/incremental/completion_count_years.sql).
{{ completion_count_year_incremental() }}
with

    completions as (
        select * from {{ ref('fct_learner_completions') }} where {{ in_touched_report_years('completion_year') }}
    ),

    registrations as (
        select * from {{ ref('fct_activity_moc_registrations') }} where {{ in_touched_report_years('report_year') }}
    ),

    completion_tally as (
        select
            completion_year::integer as report_year,
            board,
            count(*) as completions,
            count(*) filter (where completion_status = 'Accepted') as completions_accepted,
            count(*) filter (where completion_status = 'Rejected') as completions_rejected,
            count(*) filter (where completion_status = 'Pending') as completions_pending,
            count(distinct learner_key) filter (where completion_status = 'Accepted') as distinct_learners,
            sum(credits::decimal(18, 2)) filter (where completion_status = 'Accepted') as credits_awarded,
            count(*) filter (where is_late) as late_completions,
            count(distinct activity_id) as activities_with_completions
        from completions
        group by all
    ),

    registration_tally as (
        select report_year, board, count(*) as registered_activities from registrations group by all
    ),

    keys as (
        select report_year, board
        from completion_tally
        union
        select report_year, board
        from registration_tally
    ),

    joined as (
        select
            keys.report_year,
            keys.board,
            coalesce(registration_tally.registered_activities, 0) as registered_activities,
            coalesce(completion_tally.activities_with_completions, 0) as activities_with_completions,
            coalesce(completion_tally.completions, 0) as completions,
            coalesce(completion_tally.completions_accepted, 0) as completions_accepted,
            coalesce(completion_tally.completions_rejected, 0) as completions_rejected,
            coalesce(completion_tally.completions_pending, 0) as completions_pending,
            coalesce(completion_tally.distinct_learners, 0) as distinct_learners,
            coalesce(completion_tally.credits_awarded, 0)::decimal(18, 2) as credits_awarded,
            coalesce(completion_tally.late_completions, 0) as late_completions
        from keys
        left join completion_tally using (report_year, board)
        left join registration_tally using (report_year, board)
    )

select *
from joined
