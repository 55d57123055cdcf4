-- One row per accreditation decision of a provider, with its findings by criterion: the lists of criteria
-- found in compliance, in noncompliance and not applicable, and the counts by criterion group.
with

    decisions as (select * from {{ ref('fct_accreditation_decisions') }}),

    findings as (select * from {{ ref('fct_decision_findings') }}),

    providers as (select provider_id, current_term_start_date from {{ ref('dim_providers') }}),

    findings_by_criterion as (
        select
            decision_id,
            count(*) as findings,
            list(criterion order by criterion) filter (where finding = 'Compliance') as compliant_criteria,
            list(criterion order by criterion) filter (where finding = 'Noncompliance') as noncompliant_criteria,
            list(criterion order by criterion) filter (where finding = 'Not Applicable') as not_applicable_criteria,
            count(*) filter (
                where finding = 'Noncompliance' and criterion_group = 'Core'
            ) as core_noncompliance_findings,
            count(*) filter (
                where finding = 'Noncompliance' and criterion_group = 'Standards for Integrity and Independence'
            ) as standards_noncompliance_findings,
            count(*) filter (
                where finding = 'Compliance' and criterion_group = 'Commendation'
            ) as commendation_criteria_met
        from findings
        group by decision_id
    ),

    joined as (
        select
            decisions.provider_id,
            decisions.decision_id,
            decisions.decision_sequence,
            decisions.decision_date,
            decisions.decision_type,
            decisions.accreditation_status,
            decisions.term_start_date,
            decisions.term_end_date,
            decisions.progress_report_due_date,
            decisions.status_valid_from,
            decisions.status_valid_to,
            decisions.is_latest_decision,
            coalesce(decisions.term_start_date = providers.current_term_start_date, false) as is_in_current_term,
            coalesce(findings_by_criterion.findings, 0) as findings,
            decisions.compliance_findings,
            decisions.noncompliance_findings,
            decisions.not_applicable_findings,
            coalesce(findings_by_criterion.core_noncompliance_findings, 0) as core_noncompliance_findings,
            coalesce(findings_by_criterion.standards_noncompliance_findings, 0) as standards_noncompliance_findings,
            coalesce(findings_by_criterion.commendation_criteria_met, 0) as commendation_criteria_met,
            coalesce(findings_by_criterion.compliant_criteria, []::varchar[]) as compliant_criteria,
            coalesce(findings_by_criterion.noncompliant_criteria, []::varchar[]) as noncompliant_criteria,
            coalesce(findings_by_criterion.not_applicable_criteria, []::varchar[]) as not_applicable_criteria
        from decisions
        left join findings_by_criterion using (decision_id)
        left join providers using (provider_id)
    )

select *
from joined
