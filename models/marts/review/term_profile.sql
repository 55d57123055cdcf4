-- One row per provider, reporting year and activity type over the provider's current term: the counted
-- activities (status Closed) with their hours and interactions, and how many of them were jointly provided,
-- commercially supported, registered for MOC or REMS; activities of the term not closed are counted apart.
with

    term_activities as (select * from {{ ref('int_review__term_activities') }}),

    profile as (
        select
            provider_id,
            report_year,
            activity_type,
            any_value(term_start_date) as term_start_date,
            any_value(term_end_date) as term_end_date,
            count(*) filter (where is_counted) as activities,
            count(*) filter (where not is_counted) as activities_not_closed,
            coalesce(sum(hours_of_instruction) filter (where is_counted), 0)::double as hours_of_instruction,
            coalesce(sum(physician_interactions) filter (where is_counted), 0)::bigint as physician_interactions,
            coalesce(sum(other_learner_interactions) filter (where is_counted), 0)::bigint
            as other_learner_interactions,
            coalesce(sum(total_interactions) filter (where is_counted), 0)::bigint as total_interactions,
            count(*) filter (where is_counted and is_jointly_provided) as jointly_provided_activities,
            count(*) filter (where is_counted and has_commercial_support) as commercially_supported_activities,
            coalesce(sum(commercial_support_income) filter (where is_counted), 0)::decimal(
                18, 2
            ) as commercial_support_income,
            count(*) filter (where is_counted and is_moc_registered) as moc_registered_activities,
            count(*) filter (where is_counted and is_rems) as rems_activities
        from term_activities
        group by provider_id, report_year, activity_type
    )

select *
from profile
