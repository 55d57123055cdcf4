with

    latest as ({{ latest_live_version('decision_findings', ['decision_id', 'criterion']) }}),

    renamed as (
        select decision_id, criterion, finding, _load_id as loaded_by_load_id, _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
