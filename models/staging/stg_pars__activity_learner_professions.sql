with

    latest as ({{ latest_live_version('activity_learner_professions', ['activity_id', 'profession']) }}),

    renamed as (
        select
            activity_id, profession, learner_count, _load_id as loaded_by_load_id, _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
