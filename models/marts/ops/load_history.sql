-- Every load, newest export included, for the data operations page and the reports' methods appendix (which
-- exports the figures come from): the staging view of raw.load_history without the loader's summary document.
with

    loads as (select * from {{ ref('stg_pars__load_history') }}),

    typed as (
        select
            load_id::integer as load_id,
            export_id::varchar as export_id,
            export_kind::varchar as export_kind,
            exported_at::timestamp as exported_at,
            reporting_years::integer[] as reporting_years,
            content_sha256::varchar as content_sha256,
            source_path::varchar as source_path,
            loaded_at::timestamp as loaded_at,
            load_seconds::double as load_seconds
        from loads
    )

select *
from typed
