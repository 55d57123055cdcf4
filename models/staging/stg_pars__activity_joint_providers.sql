with

    latest as ({{ latest_live_version('activity_joint_providers', ['activity_id', 'joint_provider_name']) }}),

    renamed as (
        select activity_id, joint_provider_name, _load_id as loaded_by_load_id, _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
