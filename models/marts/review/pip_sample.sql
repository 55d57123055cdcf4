-- The performance-in-practice sample: up to 15 counted activities of each provider's current term, spread
-- over strata (activity type x joint providership x commercial support x MOC registration). Method: see the
-- doc block pip_sample_method (_review__docs.md). Seeded by provider and term start, so a rebuild of the
-- same data picks the same activities, and a new term draws a new sample.
with

    activities_in_term as (select * from {{ ref('int_review__term_activities') }}),

    eligible as (
        select
            *,
            activity_type
            || ' | '
            || case when is_jointly_provided then 'joint' else 'direct' end
            || ' | '
            || case when has_commercial_support then 'supported' else 'unsupported' end
            || ' | '
            || case when is_moc_registered then 'moc' else 'no moc' end as stratum_key,
            [
                'activity_type=' || activity_type,
                'joint=' || is_jointly_provided::varchar,
                'commercial_support=' || has_commercial_support::varchar,
                'moc=' || is_moc_registered::varchar
            ] as stratum_values,
            md5(provider_id || '|' || term_start_date::varchar || '|' || activity_id) as draw_hash
        from activities_in_term
        where is_counted
    ),

    ranked as (
        select
            *,
            row_number() over (
                partition by provider_id, stratum_key order by draw_hash, activity_id
            ) as stratum_position,
            count(*) over (partition by provider_id, stratum_key) as stratum_activities,
            count(*) over (partition by provider_id) as term_activities
        from eligible
    ),

    strata as (
        select
            provider_id,
            stratum_key,
            any_value(stratum_values) as stratum_values,
            any_value(stratum_activities) as stratum_activities,
            md5(provider_id || '|' || any_value(term_start_date)::varchar || '|' || stratum_key) as stratum_hash
        from ranked
        group by provider_id, stratum_key
    ),

    -- Greedy, one pick per step: the stratum adding the most attribute values not yet in the sample, then the
    -- stratum picked the fewest times so far (round robin), then the seeded stratum order. At most 15 steps,
    -- written out (picks_1 .. picks_15): a provider drops out at the step where no stratum has an activity left.
    picks_0 as materialized(
        select
            provider_id,
            0 as pick_number,
            []::varchar[] as picked_strata,
            []::integer[] as new_values_per_pick,
            []::varchar[] as covered_values
        from (select distinct provider_id from strata)
    ),

    {% for step in range(1, 16) %}
        picks_{{ step }} as materialized(
            select provider_id, pick_number, picked_strata, new_values_per_pick, covered_values
            from
                (
                    select
                        picks.provider_id,
                        picks.pick_number + 1 as pick_number,
                        list_append(picks.picked_strata, strata.stratum_key) as picked_strata,
                        list_append(
                            picks.new_values_per_pick,
                            len(
                                list_filter(strata.stratum_values, lambda v: not list_contains(picks.covered_values, v))
                            )::integer
                        ) as new_values_per_pick,
                        list_distinct(list_concat(picks.covered_values, strata.stratum_values)) as covered_values,
                        row_number() over (
                            partition by picks.provider_id
                            order by
                                len(
                                    list_filter(
                                        strata.stratum_values, lambda v: not list_contains(picks.covered_values, v)
                                    )
                                ) desc,
                                len(list_filter(picks.picked_strata, lambda k:k = strata.stratum_key)),
                                strata.stratum_hash
                        ) as preference
                    from picks_{{ step - 1 }} as picks
                    inner join strata on picks.provider_id = strata.provider_id
                    where
                        len(list_filter(picks.picked_strata, lambda k:k = strata.stratum_key))
                        < strata.stratum_activities
                )
            where preference = 1
        ),

    {% endfor %}
    picks as (
        {% for step in range(0, 16) %}
            select *
            from picks_{{ step }}
            {% if not loop.last %}
                union all
            {% endif %}
        {% endfor %}
    ),

    final_picks as (
        select provider_id, picked_strata, new_values_per_pick
        from picks
        qualify pick_number = max(pick_number) over (partition by provider_id)
    ),

    picked_strata as (
        select
            provider_id,
            unnest(picked_strata) as stratum_key,
            unnest(new_values_per_pick) as new_values_covered,
            generate_subscripts(picked_strata, 1) as sample_position
        from final_picks
    ),

    positioned as (
        select *, row_number() over (partition by provider_id, stratum_key order by sample_position) as stratum_position
        from picked_strata
    ),

    sample as (
        select
            ranked.provider_id,
            ranked.term_start_date,
            ranked.term_end_date,
            positioned.sample_position::integer as sample_position,
            ranked.activity_id,
            ranked.provider_activity_id,
            ranked.report_year,
            ranked.title,
            ranked.activity_type,
            ranked.start_date,
            ranked.end_date,
            ranked.is_jointly_provided,
            ranked.has_commercial_support,
            ranked.is_moc_registered,
            ranked.stratum_key,
            ranked.stratum_position,
            ranked.stratum_activities,
            ranked.term_activities,
            positioned.new_values_covered,
            case when positioned.new_values_covered > 0 then 'coverage' else 'round robin' end as selection_reason
        from positioned
        inner join ranked using (provider_id, stratum_key, stratum_position)
    )

select *
from sample
