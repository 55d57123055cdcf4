-- The providers an MOC staff member should contact about a board and year of completion: those reporting
-- late (more than 15 % of completions reported over 30 days after completion) or often rejected (more than
-- 5 % of completions rejected), among rows with at least 10 completions so that a single late record of a
-- small provider is not a case.
with

    timeliness as (select * from {{ ref('provider_reporting_timeliness') }}),

    flagged as (
        select
            report_year,
            provider_id,
            board,
            provider_name,
            accreditor_type,
            completions,
            late_completions,
            late_rate,
            completions_rejected,
            rejection_rate,
            median_days_to_report,
            late_rate > 0.15 as is_late_reporter,
            rejection_rate > 0.05 as is_often_rejected
        from timeliness
        where completions >= 10
    ),

    follow_up as (
        select
            *,
            case
                when is_late_reporter and is_often_rejected
                then 'late reporting and rejections'
                when is_late_reporter
                then 'late reporting'
                else 'rejections'
            end as follow_up_reason
        from flagged
        where is_late_reporter or is_often_rejected
    )

select *
from follow_up
