{#-
    The activity's own records (the activity row and its five child files): what each staging view is made of, so
    that the models incremental by activity (macros/incremental/activities.sql) can apply the staging view's rule to
    the versions of a few activities without the view, which ranks every version of every key whatever the filter.

    activity_record_specs(): per staging view, its raw table, the view of that table's raw versions and the key.
    activity_child_tables(): the raw tables of the five child files.
    staging_columns(table): the staging view's columns, from its raw table's (renames and defaults), without the
    load columns.
-#}
{% macro activity_record_specs() -%}
    {{
        return(
            {
                "stg_pars__activities": {
                    "table": "activities",
                    "versions": "stg_pars__activity_versions",
                    "keys": ["activity_id"],
                },
                "stg_pars__activity_commercial_supporters": {
                    "table": "activity_commercial_supporters",
                    "versions": "stg_pars__activity_commercial_supporter_versions",
                    "keys": ["activity_id", "supporter_name"],
                },
                "stg_pars__activity_joint_providers": {
                    "table": "activity_joint_providers",
                    "versions": "stg_pars__activity_joint_provider_versions",
                    "keys": ["activity_id", "joint_provider_name"],
                },
                "stg_pars__activity_moc_registrations": {
                    "table": "activity_moc_registrations",
                    "versions": "stg_pars__activity_moc_registration_versions",
                    "keys": ["activity_id", "board"],
                },
                "stg_pars__activity_rems": {
                    "table": "activity_rems",
                    "versions": "stg_pars__activity_rems_versions",
                    "keys": ["activity_id"],
                },
                "stg_pars__activity_learner_professions": {
                    "table": "activity_learner_professions",
                    "versions": "stg_pars__activity_learner_profession_versions",
                    "keys": ["activity_id", "profession"],
                },
            }
        )
    }}
{%- endmacro %}

{% macro activity_child_tables() -%}
    {{ return(activity_record_specs().values() | map(attribute="table") | reject("equalto", "activities") | list) }}
{%- endmacro %}

{% macro staging_columns(table_name) -%}
    {%- if table_name == "activities" -%}
        activity_id,
        provider_id,
        provider_activity_id,
        reporting_year,
        title,
        activity_type,
        start_date,
        end_date,
        city,
        state,
        country,
        providership,
        hours_of_instruction,
        physician_learners as physician_interactions,
        other_learners as other_learner_interactions,
        ama_pra_category1_credits,
        commercial_support_received as has_commercial_support,
        designed_to_change_competence as is_designed_to_change_competence,
        designed_to_change_performance as is_designed_to_change_performance,
        designed_to_change_patient_outcomes as is_designed_to_change_patient_outcomes,
        evaluated_change_competence as is_evaluated_change_competence,
        evaluated_change_performance as is_evaluated_change_performance,
        evaluated_change_patient_outcomes as is_evaluated_change_patient_outcomes,
        coalesce(competencies, []::varchar[]) as competencies,
        status,
        closed_date
    {%- elif table_name == "activity_commercial_supporters" -%}
        activity_id, supporter_name, monetary_amount, in_kind as has_in_kind_support, in_kind_nature
    {%- elif table_name == "activity_joint_providers" -%} activity_id, joint_provider_name
    {%- elif table_name == "activity_moc_registrations" -%}
        activity_id, board, credit_types, moc_credits, practice_areas, registered_date
    {%- elif table_name == "activity_rems" -%}
        activity_id,
        rems_designation,
        rpc_grant_id,
        prescriber_learners,
        dea_registered_learners,
        primary_care_learners,
        pain_specialist_learners,
        other_specialist_learners
    {%- elif table_name == "activity_learner_professions" -%} activity_id, profession, learner_count
    {%- else -%} {{ exceptions.raise_compiler_error("staging_columns: no activity table " ~ table_name) }}
    {%- endif -%}
{%- endmacro %}
