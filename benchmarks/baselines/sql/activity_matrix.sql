-- annual_report.activity_matrix from the export tables (schema.sql): counted activities (status Closed, in
-- their reporting_year) with hours and interactions, by accreditor group (own group and All), the provider's
-- organization type and the activity type, over the full cross product of the code lists (zeros when empty).
with
    accreditor_groups(accreditor_group) as (values ('All'), ('ACCME'), ('State'), ('Joint')),
    organization_types(organization_type) as (
        values
            ('Publishing/Education Company'),
            ('School of Medicine'),
            ('Nonprofit (Physician Membership Organization)'),
            ('Nonprofit (Other)'),
            ('Hospital/Health Care Delivery System'),
            ('Government or Military'),
            ('Insurance Company/Managed Care Company'),
            ('Other')
    ),
    activity_types(activity_type) as (
        values
            ('C'), ('RSS'), ('IL'), ('EM'), ('IEM'), ('JN'), ('MR'), ('TIW'), ('CML'), ('PI'), ('ISL'), ('LFT'), ('OTH')
    ),
    report_years as (
        select distinct reporting_year as report_year
        from activities
        union
        select distinct reporting_year
        from program_summaries
    ),
    counted as (
        select
            a.reporting_year as report_year,
            p.accreditor_type,
            p.organization_type,
            a.activity_type,
            a.hours_of_instruction,
            a.physician_learners,
            a.other_learners
        from activities a
        left join providers p on p.provider_id = a.provider_id
        where a.status = 'Closed'
    ),
    cells as (
        select
            c.report_year,
            g.accreditor_group,
            c.organization_type,
            c.activity_type,
            count(*) as activities,
            sum(c.hours_of_instruction) as hours_of_instruction,
            sum(c.physician_learners) as physician_interactions,
            sum(c.other_learners) as other_learner_interactions
        from counted c
        join accreditor_groups g on g.accreditor_group = c.accreditor_type or g.accreditor_group = 'All'
        group by c.report_year, g.accreditor_group, c.organization_type, c.activity_type
    )
select
    y.report_year,
    g.accreditor_group,
    o.organization_type,
    t.activity_type,
    coalesce(c.activities, 0) as activities,
    coalesce(c.hours_of_instruction, 0) as hours_of_instruction,
    coalesce(c.physician_interactions, 0) as physician_interactions,
    coalesce(c.other_learner_interactions, 0) as other_learner_interactions
from report_years y
cross join accreditor_groups g
cross join organization_types o
cross join activity_types t
left join
    cells c
    on c.report_year = y.report_year
    and c.accreditor_group = g.accreditor_group
    and c.organization_type = o.organization_type
    and c.activity_type = t.activity_type
order by y.report_year, g.accreditor_group, o.organization_type, t.activity_type
