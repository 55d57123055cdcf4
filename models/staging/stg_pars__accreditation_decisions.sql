with

    latest as ({{ latest_live_version('accreditation_decisions', ['decision_id']) }}),

    renamed as (
        select
            decision_id,
            provider_id,
            decision_date,
            decision_type,
            status,
            term_start_date,
            term_end_date,
            progress_report_due_date,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
