"""The Data Report's suppressed figures (dominance rule + complementary suppression under the LP audit).

A Python model because the rule and its linear-program audit live in anonymize/tables (data_report.py), shared
with the research releases; annual_report.suppressed_cells publishes this table under a contract.
"""

from anonymize.tables.data_report import suppressed_cells


def model(dbt, session):
    dbt.config(materialized="table")
    activities = (
        dbt.ref("int_annual_report__counted_activities")
        .project(
            "report_year, accreditor_type, organization_type, activity_type, provider_id, hours_of_instruction, "
            "physician_interactions, other_learner_interactions"
        )
        .pl()
    )
    provider_years = dbt.ref("int_annual_report__provider_years").pl()
    professions = (
        dbt.ref("fct_activity_learner_professions")
        .filter("is_counted")
        .project("report_year, accreditor_type, profession, provider_id, learner_count")
        .pl()
    )
    organization_types = [
        r[0] for r in dbt.ref("organization_types").order("sort_order").project("organization_type").fetchall()
    ]
    professions_list = [
        r[0] for r in dbt.ref("learner_professions").order("sort_order").project("profession").fetchall()
    ]
    return suppressed_cells(activities, provider_years, professions, organization_types, professions_list)
