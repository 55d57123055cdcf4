-- One row per provider: its current accreditation status and term, the decision that opened the term (with
-- its findings) and how much of the term is left as of the data.
with

    providers as (select * from {{ ref('dim_providers') }}),

    history as (select * from {{ ref('accreditation_history') }}),

    as_of as (select data_as_of_date from {{ ref('int_data_as_of') }}),

    term_decisions as (
        select
            provider_id,
            count(*) as decisions_in_term,
            arg_min(decision_id, decision_sequence) as term_decision_id,
            arg_min(decision_date, decision_sequence) as term_decision_date,
            arg_min(decision_type, decision_sequence) as term_decision_type,
            arg_min(accreditation_status, decision_sequence) as term_decision_status,
            arg_min(noncompliance_findings, decision_sequence) as term_decision_noncompliance_findings,
            arg_min(noncompliant_criteria, decision_sequence) as term_decision_noncompliant_criteria,
            arg_min(commendation_criteria_met, decision_sequence) as term_decision_commendation_criteria_met
        from history
        where is_in_current_term
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
            providers.census_region,
            providers.initial_accreditation_date,
            providers.current_accreditation_status,
            providers.is_currently_accredited,
            providers.current_term_start_date as term_start_date,
            providers.current_term_end_date as term_end_date,
            divide(
                datediff('month', providers.current_term_start_date, providers.current_term_end_date), 12
            ) as term_length_years,
            datediff('day', as_of.data_as_of_date, providers.current_term_end_date) as days_until_term_end,
            term_decisions.term_decision_id,
            term_decisions.term_decision_date,
            term_decisions.term_decision_type,
            term_decisions.term_decision_status,
            coalesce(term_decisions.term_decision_noncompliance_findings, 0) as term_decision_noncompliance_findings,
            coalesce(
                term_decisions.term_decision_noncompliant_criteria, []::varchar[]
            ) as term_decision_noncompliant_criteria,
            coalesce(
                term_decisions.term_decision_commendation_criteria_met, 0
            ) as term_decision_commendation_criteria_met,
            coalesce(term_decisions.decisions_in_term, 0) as decisions_in_term,
            providers.latest_decision_date,
            providers.latest_decision_type,
            providers.progress_report_due_date,
            providers.decisions,
            providers.has_been_on_probation,
            providers.has_earned_commendation,
            as_of.data_as_of_date
        from providers
        cross join as_of
        left join term_decisions using (provider_id)
    )

select *
from joined
