-- The columns (staging_columns, macros/activity_records.sql) are shared with the models incremental by activity,
-- which apply this view's rule to the raw versions of a few activities.
with

    latest as ({{ latest_live_version('activity_learner_professions', ['activity_id', 'profession']) }}),

    renamed as (
        select
            {{ staging_columns('activity_learner_professions') }},
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
