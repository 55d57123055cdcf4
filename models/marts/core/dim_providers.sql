-- One row per provider: attributes, and its current accreditation status and term (its latest decision).
-- For the status on another date use fct_accreditation_decisions (status_valid_from / status_valid_to).
with

    providers as (select * from {{ ref('stg_pars__providers') }}),

    latest as (select * from {{ ref('int_accreditation_decisions_sequenced') }} where is_latest_decision),

    history as (
        select
            provider_id,
            count(*) as decisions,
            bool_or(accreditation_status = 'Probation') as has_been_on_probation,
            bool_or(accreditation_status = 'Accreditation with Commendation') as has_earned_commendation,
            min(decision_date) as first_decision_date
        from {{ ref('int_accreditation_decisions_sequenced') }}
        group by provider_id
    ),

    joined as (
        select
            providers.provider_id,
            providers.provider_name,
            providers.organization_type,
            providers.accreditor_type,
            providers.recognized_accreditor,
            providers.state,
            providers.country,
            {{ census_region('providers.state') }} as census_region,
            providers.initial_accreditation_date,
            latest.accreditation_status as current_accreditation_status,
            coalesce(latest.is_accredited, false) as is_currently_accredited,
            latest.decision_date as latest_decision_date,
            latest.decision_type as latest_decision_type,
            latest.term_start_date as current_term_start_date,
            latest.term_end_date as current_term_end_date,
            latest.progress_report_due_date,
            coalesce(history.decisions, 0) as decisions,
            coalesce(history.has_been_on_probation, false) as has_been_on_probation,
            coalesce(history.has_earned_commendation, false) as has_earned_commendation
        from providers
        left join latest using (provider_id)
        left join history using (provider_id)
    )

select *
from joined
