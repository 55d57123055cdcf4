-- annual_report.enterprise_size from the export tables (schema.sql), by the Data Report's counting rules:
-- counted activity = status Closed, counted in its reporting_year; a report year is any year with an activity
-- or a program summary; a provider is accredited on 31 December when its latest decision dated on or before
-- that day (ties: highest decision_id) is not Nonaccreditation; every provider-year counts in its provider's
-- accreditor_type and again in All; every year has all four groups.
with
    accreditor_groups(accreditor_group) as (values ('All'), ('ACCME'), ('State'), ('Joint')),
    report_years as (
        select distinct reporting_year as report_year
        from activities
        union
        select distinct reporting_year
        from program_summaries
    ),
    support as (
        select activity_id, sum(monetary_amount) as commercial_support_income
        from activity_commercial_supporters
        group by activity_id
    ),
    counted as (
        select
            a.provider_id,
            a.reporting_year as report_year,
            a.hours_of_instruction,
            a.physician_learners,
            a.other_learners,
            case when a.commercial_support_received = 'Yes' then 1 else 0 end as with_support,
            coalesce(s.commercial_support_income, 0) as commercial_support_income
        from activities a
        left join support s on s.activity_id = a.activity_id
        where a.status = 'Closed'
    ),
    activity_totals as (
        select
            provider_id,
            report_year,
            count(*) as activities,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_learners) as physician_interactions,
            sum(other_learners) as other_learner_interactions,
            sum(with_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income
        from counted
        group by provider_id, report_year
    ),
    ranked_decisions as (
        select
            d.provider_id,
            y.report_year,
            d.status,
            row_number() over (
                partition by d.provider_id, y.report_year order by d.decision_date desc, d.decision_id desc
            ) as recency
        from accreditation_decisions d
        join report_years y on d.decision_date <= cast(y.report_year as text) || '-12-31'
    ),
    year_end_status as (select provider_id, report_year, status from ranked_decisions where recency = 1),
    provider_year_keys as (
        select provider_id, report_year
        from year_end_status
        union
        select distinct provider_id, reporting_year
        from activities
        union
        select provider_id, reporting_year
        from program_summaries
    ),
    provider_years as (
        select
            k.provider_id,
            k.report_year,
            p.accreditor_type,
            case when ye.status is not null and ye.status <> 'Nonaccreditation' then 1 else 0 end as accredited,
            case when coalesce(t.activities, 0) > 0 then 1 else 0 end as reporting,
            coalesce(t.activities, 0) as activities,
            coalesce(t.hours_of_instruction, 0) as hours_of_instruction,
            coalesce(t.physician_interactions, 0) as physician_interactions,
            coalesce(t.other_learner_interactions, 0) as other_learner_interactions,
            coalesce(t.activities_with_commercial_support, 0) as activities_with_commercial_support,
            coalesce(t.commercial_support_income, 0) as commercial_support_income,
            coalesce(ps.advertising_exhibit_income, 0) as advertising_exhibit_income,
            coalesce(ps.registration_fees, 0) as registration_fees,
            coalesce(ps.government_grants, 0) as government_grants,
            coalesce(ps.private_donations, 0) as private_donations,
            coalesce(ps.other_income, 0) as other_income
        from provider_year_keys k
        left join providers p on p.provider_id = k.provider_id
        left join year_end_status ye on ye.provider_id = k.provider_id and ye.report_year = k.report_year
        left join activity_totals t on t.provider_id = k.provider_id and t.report_year = k.report_year
        left join program_summaries ps on ps.provider_id = k.provider_id and ps.reporting_year = k.report_year
    ),
    by_group as (
        select g.accreditor_group, py.*
        from provider_years py
        join accreditor_groups g on g.accreditor_group = py.accreditor_type or g.accreditor_group = 'All'
    ),
    group_totals as (
        select
            report_year,
            accreditor_group,
            sum(accredited) as providers_accredited,
            sum(reporting) as providers_reporting,
            sum(activities) as activities,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions,
            sum(activities_with_commercial_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income,
            sum(advertising_exhibit_income) as advertising_exhibit_income,
            sum(registration_fees) as registration_fees,
            sum(government_grants) as government_grants,
            sum(private_donations) as private_donations,
            sum(other_income) as other_income
        from by_group
        group by report_year, accreditor_group
    )
select
    y.report_year,
    g.accreditor_group,
    coalesce(t.providers_accredited, 0) as providers_accredited,
    coalesce(t.providers_reporting, 0) as providers_reporting,
    coalesce(t.activities, 0) as activities,
    coalesce(t.hours_of_instruction, 0) as hours_of_instruction,
    coalesce(t.physician_interactions, 0) as physician_interactions,
    coalesce(t.other_learner_interactions, 0) as other_learner_interactions,
    coalesce(t.physician_interactions, 0) + coalesce(t.other_learner_interactions, 0) as total_interactions,
    coalesce(t.activities_with_commercial_support, 0) as activities_with_commercial_support,
    coalesce(t.commercial_support_income, 0) as commercial_support_income,
    coalesce(t.advertising_exhibit_income, 0) as advertising_exhibit_income,
    coalesce(t.registration_fees, 0) as registration_fees,
    coalesce(t.government_grants, 0) as government_grants,
    coalesce(t.private_donations, 0) as private_donations,
    coalesce(t.other_income, 0) as other_income,
    coalesce(t.commercial_support_income, 0)
    + coalesce(t.advertising_exhibit_income, 0)
    + coalesce(t.registration_fees, 0)
    + coalesce(t.government_grants, 0)
    + coalesce(t.private_donations, 0)
    + coalesce(t.other_income, 0) as total_income
from report_years y
cross join accreditor_groups g
left join group_totals t on t.report_year = y.report_year and t.accreditor_group = g.accreditor_group
order by y.report_year, g.accreditor_group
