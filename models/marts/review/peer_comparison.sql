-- One row per provider, report year and measure: the provider's counted activities, hours and interactions
-- against the quartiles of its organization type that year (over the reporting providers of that type: those
-- with at least one counted activity, the provider itself included when it reports).
with

    provider_years as (select * from {{ ref('fct_provider_years') }}),

    provider_measures as (
        -- the measures as core derives them; double for the quartiles (quantile_cont interpolates)
        select
            provider_id,
            report_year,
            organization_type,
            is_reporting,
            counted_activities::double as activities,
            hours_of_instruction::double as hours_of_instruction,
            physician_interactions::double as physician_interactions,
            other_learner_interactions::double as other_learner_interactions,
            total_interactions::double as total_interactions
        from provider_years
    ),

    measures_long as (
        unpivot provider_measures on activities,
        hours_of_instruction,
        physician_interactions,
        other_learner_interactions,
        total_interactions
        into name measure value provider_value
    ),

    peer_quartiles as (
        select
            report_year,
            organization_type,
            measure,
            count(*) as peer_providers,
            quantile_cont(provider_value, 0.25) as peer_p25,
            quantile_cont(provider_value, 0.5) as peer_median,
            quantile_cont(provider_value, 0.75) as peer_p75
        from measures_long
        where is_reporting
        group by report_year, organization_type, measure
    ),

    compared as (
        select
            measures_long.provider_id,
            measures_long.report_year,
            measures_long.measure,
            measures_long.organization_type,
            measures_long.is_reporting,
            measures_long.provider_value,
            coalesce(peer_quartiles.peer_providers, 0) as peer_providers,
            peer_quartiles.peer_p25,
            peer_quartiles.peer_median,
            peer_quartiles.peer_p75,
            case
                when peer_quartiles.peer_providers is null
                then null
                when measures_long.provider_value < peer_quartiles.peer_p25
                then 'below p25'
                when measures_long.provider_value <= peer_quartiles.peer_median
                then 'p25 to median'
                when measures_long.provider_value <= peer_quartiles.peer_p75
                then 'median to p75'
                else 'above p75'
            end as position_among_peers
        from measures_long
        left join peer_quartiles using (report_year, organization_type, measure)
    )

select *
from compared
