-- Findings per criterion of each decision, with the provider and decision date for reviewers.
with

    findings as (select * from {{ ref('stg_pars__decision_findings') }}),

    decisions as (
        select decision_id, provider_id, decision_date, decision_type, accreditation_status
        from {{ ref('int_accreditation_decisions_sequenced') }}
    ),

    joined as (
        select
            findings.decision_id,
            findings.criterion,
            case
                when findings.criterion like 'SII%'
                then 'Standards for Integrity and Independence'
                when try_cast(substr(findings.criterion, 2) as integer) >= 23
                then 'Commendation'
                else 'Core'
            end as criterion_group,
            findings.finding,
            decisions.provider_id,
            decisions.decision_date,
            decisions.decision_type,
            decisions.accreditation_status
        from findings
        inner join decisions using (decision_id)
    )

select *
from joined
