-- Every raw version written by a load (new content or a deletion), reduced to what incremental models
-- need to find the records a build must recompute: which load wrote it, and the keys it touches.
with

    completions as (
        select
            'learner_completions' as table_name,
            completion_id as record_key,
            activity_id,
            null as provider_id,
            _load_id as load_id
        from {{ source('pars', 'learner_completions') }}
    ),

    activities as (
        select 'activities', activity_id, activity_id, provider_id, _load_id from {{ source('pars', 'activities') }}
    ),

    registrations as (
        select 'activity_moc_registrations', activity_id || ':' || board, activity_id, null, _load_id
        from {{ source('pars', 'activity_moc_registrations') }}
    ),

    providers as (select 'providers', provider_id, null, provider_id, _load_id from {{ source('pars', 'providers') }}),

    unioned as (
        select *
        from completions
        union all
        select *
        from activities
        union all
        select *
        from registrations
        union all
        select *
        from providers
    )

select *
from unioned
