-- enterprise_size's activity totals equal the sums over fct_activities where is_counted, per report year, for
-- each accreditor group and for All: activities, hours, interactions, supported activities, commercial support.
-- Returns the (year, group) rows that differ.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    activities as (select * from {{ ref('fct_activities') }}),

    counted as (select * from activities where is_counted),

    core_by_group as (
        select
            report_year,
            accreditor_type as accreditor_group,
            count(*) as activities,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions,
            sum(total_interactions) as total_interactions,
            count(*) filter (where has_commercial_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income
        from counted
        group by report_year, accreditor_type
    ),

    core_all as (
        select
            report_year,
            'All' as accreditor_group,
            count(*) as activities,
            sum(hours_of_instruction) as hours_of_instruction,
            sum(physician_interactions) as physician_interactions,
            sum(other_learner_interactions) as other_learner_interactions,
            sum(total_interactions) as total_interactions,
            count(*) filter (where has_commercial_support) as activities_with_commercial_support,
            sum(commercial_support_income) as commercial_support_income
        from counted
        group by report_year
    ),

    core_totals as (
        select *
        from core_by_group
        union all
        select *
        from core_all
    ),

    compared as (
        select
            coalesce(enterprise_size.report_year, core_totals.report_year) as report_year,
            coalesce(enterprise_size.accreditor_group, core_totals.accreditor_group) as accreditor_group,
            enterprise_size.activities as mart_activities,
            core_totals.activities as core_activities,
            enterprise_size.hours_of_instruction as mart_hours,
            core_totals.hours_of_instruction as core_hours,
            enterprise_size.physician_interactions as mart_physician_interactions,
            core_totals.physician_interactions as core_physician_interactions,
            enterprise_size.other_learner_interactions as mart_other_learner_interactions,
            core_totals.other_learner_interactions as core_other_learner_interactions,
            enterprise_size.total_interactions as mart_total_interactions,
            core_totals.total_interactions as core_total_interactions,
            enterprise_size.activities_with_commercial_support as mart_supported_activities,
            core_totals.activities_with_commercial_support as core_supported_activities,
            enterprise_size.commercial_support_income as mart_commercial_support_income,
            core_totals.commercial_support_income as core_commercial_support_income
        from enterprise_size
        full outer join
            core_totals
            on enterprise_size.report_year = core_totals.report_year
            and enterprise_size.accreditor_group = core_totals.accreditor_group
    ),

    failing as (
        select *
        from compared
        where
            mart_activities is null
            or mart_activities <> coalesce(core_activities, 0)
            or abs(mart_hours - coalesce(core_hours, 0)) > 0.01
            or mart_physician_interactions <> coalesce(core_physician_interactions, 0)
            or mart_other_learner_interactions <> coalesce(core_other_learner_interactions, 0)
            or mart_total_interactions <> coalesce(core_total_interactions, 0)
            or mart_supported_activities <> coalesce(core_supported_activities, 0)
            or mart_commercial_support_income <> coalesce(core_commercial_support_income, 0)
    )

select *
from failing
