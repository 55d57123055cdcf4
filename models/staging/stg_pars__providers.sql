with

    latest as ({{ latest_live_version('providers', ['provider_id']) }}),

    renamed as (
        select
            provider_id,
            provider_name,
            organization_type,
            accreditor_type,
            recognized_accreditor,
            state,
            country,
            initial_accreditation_date,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
