{#- One row per record of an activity's child file (commercial supporters, joint providers, learner professions,
    MOC registrations, REMS), with the activity's year, provider and type from int_activity_context.
    The five fct_activity_* models are this macro over their staging view, incremental by activity
    (macros/incremental/activities.sql): a build recomputes the activities loads changed since its last one. -#}
{% macro activity_child_fact(staging_model) %}
    {{ activity_incremental() }}
    with

        records as (
            select * exclude (loaded_by_load_id, loaded_from_export_id)
            from ({{ current_records(staging_model) }}) as current_records
        ),

        activities as (select * from {{ ref('int_activity_context') }} where {{ in_changed_activities() }}),

        joined as (
            select records.*, activities.* exclude (activity_id) from records inner join activities using (activity_id)
        )

    select *
    from joined
{% endmacro %}
