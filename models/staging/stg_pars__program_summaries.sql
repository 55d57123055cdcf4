with

    latest as ({{ latest_live_version('program_summaries', ['provider_id', 'reporting_year']) }}),

    renamed as (
        select
            provider_id,
            reporting_year,
            advertising_exhibit_income,
            registration_fees,
            government_grants,
            private_donations,
            other_income,
            total_expenses,
            submitted_date,
            _load_id as loaded_by_load_id,
            _export_id as loaded_from_export_id
        from latest
    )

select *
from renamed
