with

    latest as ({{ latest_live_version('activity_rems', ['activity_id']) }}),

    renamed as (
        select
            activity_id,
            rems_designation,
            rpc_grant_id,
            prescriber_learners,
            dea_registered_learners,
            primary_care_learners,
            pain_specialist_learners,
            other_specialist_learners,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
