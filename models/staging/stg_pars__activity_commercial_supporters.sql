with

    latest as ({{ latest_live_version('activity_commercial_supporters', ['activity_id', 'supporter_name']) }}),

    renamed as (
        select
            activity_id,
            supporter_name,
            monetary_amount,
            in_kind as has_in_kind_support,
            in_kind_nature,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
