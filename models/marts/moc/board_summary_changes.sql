-- Change against the previous year of each measure of board_summary, per board and for all boards together
-- (breakdown 'All boards': the sums over the boards, as the MOC report's total row adds them), in long form. The
-- first year of the data (or a year after a gap) has no previous year: NULL; a percent change from 0 is NULL.
with

    board_summary as (select * from {{ ref('board_summary') }}),

    per_board as (
        select
            report_year,
            board as breakdown,
            registered_activities::double as registered_activities,
            activities_with_completions::double as activities_with_completions,
            completions::double as completions,
            completions_accepted::double as completions_accepted,
            completions_rejected::double as completions_rejected,
            completions_pending::double as completions_pending,
            late_completions::double as late_completions,
            distinct_learners::double as distinct_learners,
            credits_awarded::double as credits_awarded
        from board_summary
    ),

    all_boards as (
        select
            report_year,
            'All boards' as breakdown,
            sum(registered_activities) as registered_activities,
            sum(activities_with_completions) as activities_with_completions,
            sum(completions) as completions,
            sum(completions_accepted) as completions_accepted,
            sum(completions_rejected) as completions_rejected,
            sum(completions_pending) as completions_pending,
            sum(late_completions) as late_completions,
            sum(distinct_learners) as distinct_learners,
            sum(credits_awarded) as credits_awarded
        from per_board
        group by report_year
    ),

    measures as (
        select report_year, breakdown, measure, value
        from
            (
                select *
                from per_board
                union all
                select *
                from all_boards
            )
            unpivot include nulls(value for measure in (columns(* exclude (report_year, breakdown))))
    ),

    compared as ({{ changes_from_previous_year("measures", ["breakdown"]) }})

select *
from compared
