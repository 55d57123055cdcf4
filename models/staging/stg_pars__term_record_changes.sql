-- Every raw version that can change a provider's current-term activity list (review.term_activities, incremental
-- by activity and provider: macros/incremental/term_changes.sql), reduced to its keys and the load that wrote it:
-- an activity's row or child record by activity; a provider's row by provider; an accreditation decision by
-- decision and provider (every version: a decision moved to another provider changes both). Not ranked; a view:
-- no node in a build of an unchanged project, and a filter on load_id reads only the newest row groups.
with

    activity_rows as (
        select activity_id, null::varchar as provider_id, null::varchar as decision_id, _load_id as load_id
        from {{ source('pars', 'activities') }}
        {%- for child in activity_child_tables() %}
            union all
            select activity_id, null, null, _load_id
            from {{ source('pars', child) }}
        {%- endfor %}
    ),

    provider_rows as (
        select null::varchar as activity_id, provider_id, null::varchar as decision_id, _load_id as load_id
        from {{ source('pars', 'providers') }}
    ),

    decision_rows as (
        select null::varchar as activity_id, provider_id, decision_id, _load_id as load_id
        from {{ source('pars', 'accreditation_decisions') }}
    )

select *
from activity_rows
union all
select *
from provider_rows
union all
select *
from decision_rows
