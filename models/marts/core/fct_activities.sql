{{ config(materialized='view') }}
-- One row per activity (latest version, deletions applied) with its provider's attributes and what its
-- child records say. `is_counted` is the Data Report's counting rule: status Closed (the activity's
-- report year is its reporting_year). A view: int_activities_base holds the rows (incremental by reporting
-- year), and the two load-dependent columns are added here, as of the newest export loaded.
with

    activities as (select * from {{ ref('int_activities_base') }}),

    as_of as (select data_as_of_date from {{ ref('int_data_as_of') }}),

    flagged as (
        select
            activities.*,
            as_of.data_as_of_date,
            not activities.is_counted
            and as_of.data_as_of_date > activities.reporting_deadline_date as is_open_after_deadline
        from activities
        cross join as_of
    )

select *
from flagged
