-- The date the warehouse's data is as of: the newest export loaded. Completeness questions that depend
-- on time ("still open after the reporting deadline") are answered as of this date.
with

    loads as (select * from {{ ref('stg_pars__load_history') }}),

    as_of as (
        select
            max(exported_at)::date as data_as_of_date,
            max(exported_at) as data_as_of_timestamp,
            count(*) as loads,
            arg_max(export_id, exported_at) as latest_export_id
        from loads
    )

select *
from as_of
