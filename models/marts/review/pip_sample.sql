-- The performance-in-practice sample: up to 15 counted activities of each provider's current term, spread
-- over strata (activity type x joint providership x commercial support x MOC registration). Method: see the
-- doc block pip_sample_method (_review__docs.md). Seeded by provider and term start, so a rebuild of the
-- same data picks the same activities, and a new term draws a new sample.
--
-- How it is computed (the picks of the method, in two phases with the same result as taking them one by one):
-- while a stratum adds attribute values not yet in the sample, the pick is such a stratum (one never picked:
-- a picked stratum adds nothing), so rule (b) does not decide and those coverage picks are found step by step
-- (at most 15, each step only over the providers still covering); after them every stratum adds nothing, and
-- rules (b) and (c) take each stratum's next activity in the order (picks of the stratum so far, seeded stratum
-- order): the remaining picks are the first of those slots in that order, found at once.
--
-- Incremental by provider (macros/incremental/term_changes.sql): a build draws again the samples of the providers
-- whose term activities its loads can have changed, and keeps the others' rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_term_change_providers() }}",
        post_hook="{{ remember_seen_load(this.name) }}",
    )
}}
-- depends_on: {{ ref('stg_pars__load_history') }}
-- depends_on: {{ ref('stg_pars__term_record_changes') }}
-- depends_on: {{ ref('stg_pars__activity_versions') }}
with

    eligible as (
        select
            provider_id,
            term_start_date,
            activity_id,
            activity_type
            || ' | '
            || case when is_jointly_provided then 'joint' else 'direct' end
            || ' | '
            || case when has_commercial_support then 'supported' else 'unsupported' end
            || ' | '
            || case when is_moc_registered then 'moc' else 'no moc' end as stratum_key,
            activity_type,
            is_jointly_provided,
            has_commercial_support,
            is_moc_registered,
            md5(provider_id || '|' || term_start_date::varchar || '|' || activity_id) as draw_hash
        from {{ ref('int_review__term_activities') }}
        where is_counted and {{ in_term_change_providers() }}
    ),

    -- per stratum: its size, its place in the seeded stratum order, and its first 15 activities in the seeded order
    -- (no stratum gives more than 15 picks); its flag values as bits (joint, direct, supported, unsupported, moc,
    -- no moc), its activity type apart
    strata as materialized(
        select
            provider_id,
            stratum_key,
            any_value(activity_type) as activity_type,
            any_value(
                case when is_jointly_provided then 1 else 2 end
                + case when has_commercial_support then 4 else 8 end
                + case when is_moc_registered then 16 else 32 end
            ) as flag_bits,
            count(*) as stratum_activities,
            sum(count(*)) over (partition by provider_id) as term_activities,
            row_number() over (
                partition by provider_id
                order by md5(provider_id || '|' || any_value(term_start_date)::varchar || '|' || stratum_key)
            ) as stratum_order,
            arg_min(activity_id, (draw_hash, activity_id), 15) as drawn
        from eligible
        group by provider_id, stratum_key
    ),

    -- Coverage picks, one step each: of the strata adding attribute values not yet covered (an activity type not
    -- yet picked, a flag value not yet in covered_bits), the one adding the most, then the first in the seeded
    -- stratum order (preference: the smallest). A provider leaves at the step where none adds any.
    cover_0 as materialized(select distinct provider_id, []::varchar[] as covered_types, 0 as covered_bits from strata),

    {% for step in range(1, 16) %}
        cover_{{ step }} as materialized(
            select
                provider_id,
                {{ step }} as pick_number,
                stratum_key,
                new_values,
                list_append(covered_types, activity_type) as covered_types,
                covered_bits | flag_bits as covered_bits
            from
                (
                    select
                        provider_id,
                        any_value(covered_types) as covered_types,
                        any_value(covered_bits) as covered_bits,
                        arg_min(stratum_key, (4 - new_values) * 1000000 + stratum_order) as stratum_key,
                        arg_min(activity_type, (4 - new_values) * 1000000 + stratum_order) as activity_type,
                        arg_min(flag_bits, (4 - new_values) * 1000000 + stratum_order) as flag_bits,
                        arg_min(new_values, (4 - new_values) * 1000000 + stratum_order) as new_values
                    from
                        (
                            select
                                cover.provider_id,
                                cover.covered_types,
                                cover.covered_bits,
                                strata.stratum_key,
                                strata.activity_type,
                                strata.flag_bits,
                                strata.stratum_order,
                                (
                                    case when list_contains(cover.covered_types, strata.activity_type) then 0 else 1 end
                                    + bit_count(strata.flag_bits & ~ cover.covered_bits)
                                )::integer as new_values
                            from cover_{{ step - 1 }} as cover
                            inner join strata on cover.provider_id = strata.provider_id
                        )
                    where new_values > 0
                    group by provider_id
                )
        ),

    {% endfor %}
    coverage_picks as (
        {% for step in range(1, 16) %}
            select provider_id, pick_number, stratum_key, new_values
            from cover_{{ step }}
            {% if not loop.last %}
                union all
            {% endif %}
        {% endfor %}
    ),

    coverage_counts as (select provider_id, count(*) as coverage_picks from coverage_picks group by provider_id),

    -- Round-robin picks: every stratum's next activities as slots (level = the stratum's picks before it), in the
    -- order (level, seeded stratum order), after the coverage picks, up to 15 picks in all.
    slots as (
        select
            strata.provider_id,
            strata.stratum_key,
            strata.stratum_order,
            unnest(
                range(
                    case when coverage_picks.stratum_key is null then 0 else 1 end, least(strata.stratum_activities, 15)
                )
            ) as level
        from strata
        left join coverage_picks using (provider_id, stratum_key)
    ),

    round_robin_picks as (
        select
            slots.provider_id,
            coalesce(coverage_counts.coverage_picks, 0) + row_number() over (
                partition by slots.provider_id order by slots.level, slots.stratum_order
            ) as pick_number,
            slots.stratum_key,
            slots.level + 1 as stratum_position
        from slots
        left join coverage_counts using (provider_id)
        qualify pick_number <= 15
    ),

    picks as (
        select provider_id, pick_number, stratum_key, 1 as stratum_position, new_values
        from coverage_picks
        union all
        select provider_id, pick_number, stratum_key, stratum_position, 0 as new_values
        from round_robin_picks
    ),

    sample as (
        select
            activities.provider_id,
            activities.term_start_date,
            activities.term_end_date,
            picks.pick_number::integer as sample_position,
            activities.activity_id,
            activities.provider_activity_id,
            activities.report_year,
            activities.title,
            activities.activity_type,
            activities.start_date,
            activities.end_date,
            activities.is_jointly_provided,
            activities.has_commercial_support,
            activities.is_moc_registered,
            picks.stratum_key,
            picks.stratum_position::bigint as stratum_position,
            strata.stratum_activities,
            strata.term_activities::bigint as term_activities,
            picks.new_values::integer as new_values_covered,
            case when picks.new_values > 0 then 'coverage' else 'round robin' end as selection_reason
        from picks
        inner join strata using (provider_id, stratum_key)
        inner join
            (
                select * from {{ ref('int_review__term_activities') }} where {{ in_term_change_providers() }}
            ) as activities
            on activities.activity_id = strata.drawn[picks.stratum_position]
    )

select *
from sample
