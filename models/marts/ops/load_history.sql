-- Every load, newest export included, for the data operations page and the reports' methods appendix (which
-- exports the figures come from): the staging view of raw.load_history without the loader's summary document.
with

    loads as (select * from {{ ref('stg_pars__load_history') }}),

    listed as (
        select
            load_id,
            export_id,
            export_kind,
            exported_at,
            reporting_years,
            content_sha256,
            source_path,
            loaded_at,
            load_seconds
        from loads
    )

select *
from listed
