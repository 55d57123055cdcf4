-- The few activity attributes child facts carry (so they can be filtered by year, provider and type).
select
    activity_id,
    provider_id,
    report_year,
    activity_type,
    organization_type,
    accreditor_type,
    is_counted,
    start_date as activity_start_date,
    end_date as activity_end_date
from {{ ref('int_activities_base') }}
