with

    source as (select * from {{ source('pars', 'quarantine') }}),

    renamed as (
        select
            load_id,
            export_id,
            file as file_name,
            line as line_number,
            column_name,
            rule as rule_name,
            raw_value,
            record as raw_record
        from source
    )

select *
from renamed
