-- One row per activity and completeness rule it breaks (spec section 4, last point), with a message for the
-- reviewer. Every rule is one CTE; `problems` stacks them. Time-dependent rules are answered as of the data.
-- Published as review.data_completeness (which adds the date of the data); the ops marts count it too.
-- Incremental by activity: the rules about an activity's own data (its row, child records, provider, MOC
-- registrations and completions) are recomputed only for the activities loads changed since the last build (those
-- of macros/incremental/activities.sql and those of the completions they changed, as int_review__completion_tally);
-- the three rules that read the newest export's date are recomputed for every activity by every build (a scan of
-- the activities: the date alone can make an untouched activity break one). At a decade the table (440k rows) was
-- rebuilt whole by every build, the second-costliest node of a build after one month.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_problem_activities() }}",
        post_hook="{{ remember_seen_load(this.name) }}",
    )
}}
-- depends_on: {{ ref('stg_pars__load_history') }}
-- depends_on: {{ ref('stg_pars__activity_changes') }}
-- depends_on: {{ ref('stg_pars__completion_changes') }}
-- depends_on: {{ ref('stg_pars__record_changes') }}
-- depends_on: {{ ref('stg_pars__learner_completion_versions') }}
with

    -- not materialized: read by the rules, DuckDB would otherwise copy every column of every activity once; each
    -- rule reads the few columns it needs
    activities as not materialized(select * from {{ ref('fct_activities') }}),

    -- the activities whose data rules are recomputed (every one on a full build)
    changed_activities as not materialized(select * from activities where {{ in_changed_activities() }}),

    -- the completions' side, per activity: a table incremental by activity (grouping the 20M completions of a
    -- decade again was most of this model's time)
    tally as not materialized(
        select * from {{ ref('int_review__completion_tally') }} where {{ in_changed_activities() }}
    ),

    registrations as (select * from {{ ref('fct_activity_moc_registrations') }} where {{ in_changed_activities() }}),

    rules as (select * from {{ ref('int_review__completeness_rules') }}),

    completion_tally as (
        select activity_id, completions, late_completions, max_days_to_report, rejected_completions from tally
    ),

    boards_with_completions as (select activity_id, unnest(boards) as board from tally),

    boards_without_completions as (
        select
            registrations.activity_id,
            count(*) as boards,
            string_agg(registrations.board, ', ' order by registrations.board) as board_names
        from registrations
        anti join boards_with_completions using (activity_id, board)
        group by registrations.activity_id
    ),

    abp_credit_amounts as (
        select
            activity_id,
            abp_completions as completions,
            abp_credit_amounts as credit_amounts,
            abp_credit_amount_list as credit_amount_list
        from tally
        where abp_completions > 0
    ),

    joint_without_joint_provider as (
        select
            activity_id,
            'joint_without_joint_provider' as rule_code,
            'Providership is Joint but no joint provider is named.' as message,
            1::bigint as affected_records
        from changed_activities
        where is_jointly_provided and joint_providers = 0
    ),

    support_without_supporter as (
        select
            activity_id,
            'support_without_supporter' as rule_code,
            'Commercial support received is Yes but no commercial supporter is listed.' as message,
            1::bigint as affected_records
        from changed_activities
        where has_commercial_support and commercial_supporters = 0
    ),

    moc_without_completions as (
        select
            activity_id,
            'moc_without_completions' as rule_code,
            format(
                'Registered for MOC with {}; no learner completion reported to {}.',
                array_to_string(changed_activities.moc_board_list, ', '),
                boards_without_completions.board_names
            ) as message,
            boards_without_completions.boards as affected_records
        from boards_without_completions
        inner join changed_activities using (activity_id)
    ),

    completions_reported_late as (
        select
            activity_id,
            'completions_reported_late' as rule_code,
            format(
                '{} of {} learner completions reported more than 30 days after completion (longest: {} days).',
                late_completions,
                completions,
                max_days_to_report
            ) as message,
            late_completions as affected_records
        from completion_tally
        where late_completions > 0
    ),

    completions_rejected as (
        select
            activity_id,
            'completions_rejected' as rule_code,
            format('{} of {} learner completions rejected by the board.', rejected_completions, completions) as message,
            rejected_completions as affected_records
        from completion_tally
        where rejected_completions > 0
    ),

    abp_differing_credits as (
        select
            activity_id,
            'abp_differing_credits' as rule_code,
            format(
                '{} ABP completions carry {} different credit amounts ({}); ABP allows one amount per activity.',
                completions,
                credit_amounts,
                credit_amount_list
            ) as message,
            completions as affected_records
        from abp_credit_amounts
        where credit_amounts > 1
    ),

    -- the rules that read the newest export's date, over every activity (their rule codes: completeness_date_rules,
    -- whose rows the pre_hook deletes every build)
    open_after_deadline as (
        select
            activity_id,
            'open_after_deadline' as rule_code,
            format(
                'Status {} after the reporting deadline of {} ({}).',
                activity_status,
                report_year,
                strftime(reporting_deadline_date, '%Y-%m-%d')
            ) as message,
            1::bigint as affected_records
        from activities
        where is_open_after_deadline
    ),

    -- The loader quarantines an enduring material spanning more than 3 years and an RSS spanning more than 12
    -- months (spec rule max_span), so those spans never reach the warehouse; what can occur is one still open
    -- past that age as of the data.
    enduring_open_past_3_years as (
        select
            activity_id,
            'enduring_open_past_3_years' as rule_code,
            format(
                'Enduring material ({}) started {}, still {} on {}.',
                activity_type,
                strftime(start_date, '%Y-%m-%d'),
                activity_status,
                strftime(data_as_of_date, '%Y-%m-%d')
            ) as message,
            1::bigint as affected_records
        from activities
        where activity_format_group = 'Enduring' and not is_counted and start_date + interval 3 year < data_as_of_date
    ),

    rss_open_past_12_months as (
        select
            activity_id,
            'rss_open_past_12_months' as rule_code,
            format(
                'Regularly scheduled series started {}, still {} on {}.',
                strftime(start_date, '%Y-%m-%d'),
                activity_status,
                strftime(data_as_of_date, '%Y-%m-%d')
            ) as message,
            1::bigint as affected_records
        from activities
        where activity_type = 'RSS' and not is_counted and start_date + interval 12 month < data_as_of_date
    ),

    problems as (
        select *
        from joint_without_joint_provider
        union all
        select *
        from support_without_supporter
        union all
        select *
        from moc_without_completions
        union all
        select *
        from completions_reported_late
        union all
        select *
        from completions_rejected
        union all
        select *
        from abp_differing_credits
        union all
        select *
        from open_after_deadline
        union all
        select *
        from enduring_open_past_3_years
        union all
        select *
        from rss_open_past_12_months
    ),

    described as (
        select
            activities.provider_id,
            problems.activity_id,
            problems.rule_code,
            rules.rule_description,
            problems.message,
            problems.affected_records,
            activities.provider_activity_id,
            activities.report_year,
            activities.title,
            activities.activity_type,
            activities.activity_status,
            activities.start_date,
            activities.end_date
        from problems
        inner join activities using (activity_id)
        inner join rules using (rule_code)
    )

select *
from described
