{#-
    Models counting the completions by year of completion from the completion's own fields alone (moc.board_summary:
    completion_year, board, status, learner, credits, lateness, activity_id) and its reconciliation test. A change
    to an activity, its MOC registration or its provider changes other fields of fct_learner_completions'
    rows (provider_id, the activity's year and type, registered_moc_credits), so those rows are recomputed there,
    but a count by year changes only with:
    - a completion's own version (written or deleted: every year of its versions);
    - an activity's presence: fct_learner_completions keeps a completion only while its activity exists (inner
      join), so the completions naming an activity that loads created, deleted or revived move in or out;
    - the registrations, counted by the activity's reporting year (the touched reporting years).
    An activity whose row was rewritten but that existed before and exists now moves no completion in or out.
    A model that also counts by the activity's provider and reads the provider's row (by_provider=true:
    moc.provider_reporting_timeliness, per provider with its name and types) adds the completions naming an
    activity whose provider changed (its latest version's provider_id before and after the loads) and those of
    the activities of every provider whose row the loads wrote.
-#}
{#- A raw (source) table by name, without a parse-time dependency (a test's parents decide a --select build's
    tests, as relation_named's comment says). -#}
{% macro raw_relation_named(name) -%}
    {%- for node in graph.sources.values() if node.source_name == 'pars' and node.name == name -%}
        {{ node.relation_name }}
    {%- endfor -%}
{%- endmacro %}

{#- The years of completion whose counts loads after `since` can have changed (see above), as report_year;
    `relation` gives a model's relation by name (ref in a model, relation_named in a test). -#}
{% macro completion_count_years_changed_since(since, relation, by_provider=false) -%}
    {%- set changes = relation('stg_pars__record_changes') -%}
    with
        written as (
            select distinct record_key as completion_id
            from {{ changes }}
            where load_id > {{ since }} and table_name = 'learner_completions'
        ),

        -- whether each activity loads after `since` wrote existed before them and exists now: its latest raw
        -- version at or before `since` and its latest one, live unless a deletion (latest_live_version's rule)
        presence as (
            select
                activity_id,
                coalesce(arg_max(not _is_deleted, _load_id) filter (where _load_id <= {{ since }}), false) as was_live,
                arg_max(not _is_deleted, _load_id) as is_live,
                arg_max(provider_id, _load_id) filter (where _load_id <= {{ since }}) as provider_before,
                arg_max(provider_id, _load_id) as provider_now
            from {{ raw_relation_named('activities') }}
            where
                activity_id
                in (select activity_id from {{ changes }} where load_id > {{ since }} and table_name = 'activities')
            group by activity_id
        ),

        moved_in_or_out as (
            select activity_id
            from presence
            where
                was_live <> is_live {%- if by_provider %} or provider_before is distinct from provider_now {%- endif %}
            {%- if by_provider %}
                union
                select activity_id
                from {{ raw_relation_named('activities') }}
                where
                    provider_id
                    in (select provider_id from {{ changes }} where load_id > {{ since }} and table_name = 'providers')
            {%- endif %}
        )

    {% if completion_changes_cover(since, relation) -%}
        select distinct completion_year as report_year
        from {{ relation('stg_pars__completion_changes') }}
        where
            load_id > {{ since }}
            and completion_year is not null
            and (
                completion_id in (select completion_id from written)
                or activity_id in (select activity_id from moved_in_or_out)
            )
    {%- else -%}
        select distinct year(completion_date) as report_year
        from {{ relation('stg_pars__learner_completion_versions') }}
        where
            completion_date is not null
            and (
                completion_id in (select completion_id from written)
                or activity_id in (select activity_id from moved_in_or_out)
            )
    {%- endif %}
{%- endmacro %}

{#- pre_hook of such a model: find the years (the touched reporting years and the completion years above) once,
    keep them in touched_years_table() for the body (in_touched_report_years), delete them. -#}
{% macro delete_completion_count_years(by_provider=false) -%}
    {%- if is_incremental() -%}
        create or replace table {{ touched_years_table() }} as
        select report_year
        from {{ ref('stg_pars__report_year_changes') }}
        where load_id > {{ last_seen_load(this.name) }}
        union
        select report_year
        from ({{ completion_count_years_changed_since(last_seen_load(this.name), ref, by_provider) }}) as counted
        ;
        delete from {{ this }}
        where report_year in (select report_year from {{ touched_years_table() }})
    {%- endif -%}
{%- endmacro %}

{#- Makes the calling SQL model incremental by year of completion as above: the config and the parse-time
    dependencies (the hooks' refs leave no trace at parse time). Its inputs filter with in_touched_report_years. -#}
{% macro completion_count_year_incremental(by_provider=false) -%}
    {{
        config(
            materialized='incremental',
            incremental_strategy='append',
            on_schema_change='fail',
            pre_hook="{{ delete_completion_count_years(" ~ by_provider ~ ") }}",
            post_hook="{{ remember_seen_load(this.name) }}",
        )
    }}
-- depends_on: {{ ref('stg_pars__report_year_changes') }}
-- depends_on: {{ ref('stg_pars__load_history') }}
-- depends_on: {{ ref('stg_pars__record_changes') }}
-- depends_on: {{ ref('stg_pars__learner_completion_versions') }}
-- depends_on: {{ ref('stg_pars__completion_changes') }}
{%- endmacro %}
