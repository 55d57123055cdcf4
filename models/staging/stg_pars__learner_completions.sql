with

    latest as ({{ latest_live_version('learner_completions', ['completion_id']) }}),

    renamed as (
        select
            completion_id,
            activity_id,
            board,
            learner_board_id,
            first_name,
            last_name,
            birth_month,
            birth_day,
            completion_date,
            credit_type,
            credits,
            reported_date,
            status,
            rejection_reason,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
