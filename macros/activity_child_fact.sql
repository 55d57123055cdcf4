{#- One row per record of an activity's child file (commercial supporters, joint providers, learner professions,
    MOC registrations, REMS), with the activity's year, provider and type from int_activity_context.
    The five fct_activity_* models are this macro over their staging view, incremental by reporting year
    (macros/incremental/report_years.sql). -#}
{% macro activity_child_fact(staging_model) %}
    {{ report_year_incremental() }}
    with

        records as (select * exclude (loaded_by_load_id, loaded_from_export_id) from {{ ref(staging_model) }}),

        activities as (select * from {{ ref('int_activity_context') }} where {{ in_touched_report_years() }}),

        joined as (
            select records.*, activities.* exclude (activity_id) from records inner join activities using (activity_id)
        )

    select *
    from joined
{% endmacro %}
