-- The accreditation history: every decision with its status span and the tally of its findings.
with

    spans as (select * from {{ ref('int_accreditation_decisions_sequenced') }}),

    findings as (select * from {{ ref('stg_pars__decision_findings') }}),

    tally as (
        select
            decision_id,
            count(*) filter (where finding = 'Compliance') as compliance_findings,
            count(*) filter (where finding = 'Noncompliance') as noncompliance_findings,
            count(*) filter (where finding = 'Not Applicable') as not_applicable_findings,
            list(criterion order by criterion) filter (where finding = 'Noncompliance') as noncompliant_criteria
        from findings
        group by decision_id
    ),

    joined as (
        select
            spans.*,
            coalesce(tally.compliance_findings, 0) as compliance_findings,
            coalesce(tally.noncompliance_findings, 0) as noncompliance_findings,
            coalesce(tally.not_applicable_findings, 0) as not_applicable_findings,
            coalesce(tally.noncompliant_criteria, []::varchar[]) as noncompliant_criteria
        from spans
        left join tally using (decision_id)
    )

select *
from joined
