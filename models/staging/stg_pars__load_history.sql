with

    source as (select * from {{ source('pars', 'load_history') }}),

    renamed as (
        select
            load_id,
            export_id,
            kind as export_kind,
            exported_at,
            reporting_years,
            content_sha256,
            source_path,
            loaded_at,
            seconds as load_seconds,
            summary as load_summary
        from source
    )

select *
from renamed
