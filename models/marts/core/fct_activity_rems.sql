-- One row per rems record of an activity, with the activity's year, provider and type.
with

records as (
    select * exclude (loaded_by_load_id, loaded_from_export_id) from {{ ref('stg_pars__activity_rems') }}
),

activities as (
    select * from {{ ref('int_activity_context') }}
),

joined as (
    select records.*, activities.* exclude (activity_id)
    from records
    inner join activities using (activity_id)
)

select * from joined
