with

    latest as ({{ latest_live_version('activity_moc_registrations', ['activity_id', 'board']) }}),

    renamed as (
        select
            activity_id,
            board,
            credit_types,
            moc_credits,
            practice_areas,
            registered_date,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
