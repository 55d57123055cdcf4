-- Each decision with the span of dates its status holds: from its decision date until the provider's
-- next decision (exclusive). The status on any date is the span that contains it.
with

    decisions as (select * from {{ ref('stg_pars__accreditation_decisions') }}),

    sequenced as (
        select
            *,
            row_number() over (partition by provider_id order by decision_date, decision_id) as decision_sequence,
            lead(decision_date) over (
                partition by provider_id order by decision_date, decision_id
            ) as next_decision_date
        from decisions
    ),

    spans as (
        select
            decision_id,
            provider_id,
            decision_sequence,
            decision_date,
            decision_type,
            status as accreditation_status,
            term_start_date,
            term_end_date,
            progress_report_due_date,
            status <> 'Nonaccreditation' as is_accredited,
            decision_date as status_valid_from,
            next_decision_date as status_valid_to,
            next_decision_date is null as is_latest_decision
        from sequenced
    )

select *
from spans
