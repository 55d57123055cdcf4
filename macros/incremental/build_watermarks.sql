{#-
    Incremental models remember the last load they have seen in meta.build_watermarks (one row per model),
    outside the published marts so that a replayed build and a full build give identical tables.
-#}
{% macro create_build_watermarks() -%}
    create schema if not exists meta;
    create table if not exists meta.build_watermarks (
        model varchar primary key,
        load_id integer not null,
        built_at timestamp not null
    );
    {#- a full refresh forgets every watermark: a model that is not rebuilt from nothing (the Python suppressed
        cells, or a model left out by --select) then recomputes every year or record at its next build #}
    {%- if flags.FULL_REFRESH %}
        delete from meta.build_watermarks
        ;
    {%- endif %}
{%- endmacro %}

{% macro last_seen_load(model_name) -%}
    (select coalesce(max(load_id), 0) from meta.build_watermarks where model = '{{ model_name }}')
{%- endmacro %}

{% macro remember_seen_load(model_name) -%}
    insert or replace into meta.build_watermarks
    select '{{ model_name }}', coalesce(max(load_id), 0), now()::timestamp from {{ ref('stg_pars__load_history') }}
{%- endmacro %}

{#- The completions a build must recompute: those with a new version or deletion since the model's last
    build, and those of activities whose activity, MOC registration or provider changed since then. -#}
{% macro affected_completions(model_name) -%}
    {{ completions_changed_since(last_seen_load(model_name), ref) }}
{%- endmacro %}

{#- Where fct_learner_completions' pre_hook keeps the completions it recomputes, for its body to read (found once
    per build; meta, outside the published marts). -#}
{% macro affected_completions_table() -%} meta.affected_completions__{{ this.name }}
{%- endmacro %}

{#- pre_hook of a model incremental by completion: find the affected completions, delete their rows. -#}
{% macro delete_affected_completions() -%}
    {%- if is_incremental() -%}
        create or replace table {{ affected_completions_table() }} as {{ affected_completions(this.name) }}
        ;
        delete from {{ this }}
        where completion_id in (select completion_id from {{ affected_completions_table() }})
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of a model incremental by activity over the completions (one row per activity: its completions'
    tally): find the activities of the completions changed since its last build (every version's activity: a
    completion moved to another activity, or deleted, changes its old activity's tally too) and delete their rows;
    its body reads them from affected_activities_table(). -#}
{% macro delete_completions_activities() -%}
    {%- if is_incremental() -%}
        create or replace table {{ affected_activities_table() }} as
        {{ completion_activities_changed_since(last_seen_load(this.name), ref) }}
        ;
        delete from {{ this }}
        where activity_id in (select activity_id from {{ affected_activities_table() }})
    {%- endif -%}
{%- endmacro %}

{% macro affected_activities_table() -%} meta.affected_activities__{{ this.name }} {%- endmacro %}

{#- The distinct non-null values of `column` (a column name from these macros, never from data) in
    stg_pars__completion_changes' rows of loads after `since`. -#}
{% macro completion_changes_column(column, since, relation) -%}
    select distinct {{ column }}
    from {{ relation('stg_pars__completion_changes') }}
    where load_id > {{ since }} and {{ column }} is not null
{%- endmacro %}

{#- The activities of every version of the completions that loads after `since` can have changed. -#}
{% macro completion_activities_changed_since(since, relation) -%}
    {%- if completion_changes_cover(since, relation) -%} {{ completion_changes_column("activity_id", since, relation) }}
    {%- else -%}
        select distinct activity_id
        from {{ relation('stg_pars__learner_completion_versions') }}
        where
            activity_id is not null and completion_id in ({{ completions_changed_since_found_again(since, relation) }})
    {%- endif -%}
{%- endmacro %}

{#- The completions that loads after `since` (SQL giving a load_id) can have changed; `relation` gives a model's
    relation by name (ref in a model; relation_named in a test: macros/incremental/check_scope.sql). Read from
    stg_pars__completion_changes (found once per build) when it covers those loads, else found again. -#}
{% macro completions_changed_since(since, relation) -%}
    {%- if completion_changes_cover(since, relation) -%}
        {{ completion_changes_column("completion_id", since, relation) }}
    {%- else -%} {{ completions_changed_since_found_again(since, relation) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether the change log `log` (a table in meta, incremental by load: stg_pars__completion_changes,
    stg_pars__activity_changes) holds every record changed after `since`: it was built on the newest load (in this
    build, every model and check that reads it runs after it, macros/incremental) and starts at or before `since`
    (its last full build's row with no `key`). Asked when the SQL runs; at parse time, no. `log` and `key` are names
    from these macros, never from data. -#}
{% macro change_log_covers(log, key, since, relation) -%}
    {%- if not execute -%} {{ return(false) }} {%- endif -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables "
        "where table_schema = 'meta' and table_name = '" ~ log ~ "'"
    ) -%}
    {%- if found.columns[0].values()[0] == 0 -%} {{ return(false) }} {%- endif -%}
    {%- set covered -%}
        select
            exists (select 1 from {{ relation(log) }} where {{ key }} is null and load_id <= {{ since }})
            and (select coalesce(max(load_id), 0) from meta.build_watermarks where model = '{{ log }}')
            >= (select coalesce(max(load_id), 0) from {{ relation('stg_pars__load_history') }})
    {%- endset -%}
    {{ return(run_query(covered).columns[0].values()[0]) }}
{%- endmacro %}

{#- Whether stg_pars__completion_changes holds every completion changed after `since` (change_log_covers). -#}
{% macro completion_changes_cover(since, relation) -%}
    {{ return(change_log_covers("stg_pars__completion_changes", "completion_id", since, relation)) }}
{%- endmacro %}

{#- The completions that loads after `since` can have changed, found from the raw versions (what
    stg_pars__completion_changes keeps per load). -#}
{% macro completions_changed_since_found_again(since, relation) -%}
    with
        changes as (select * from {{ relation('stg_pars__record_changes') }} where load_id > {{ since }}),
        touched_activities as (
            select activity_id
            from changes
            where table_name in ('activities', 'activity_moc_registrations')
            union
            select activities.activity_id
            from {{ relation('stg_pars__activities') }} as activities
            inner join changes on changes.table_name = 'providers' and changes.provider_id = activities.provider_id
        )
    select record_key as completion_id
    from changes
    where table_name = 'learner_completions'
    union
    {#- any raw version naming a touched activity: a superset is harmless (recomputed from the latest live
        version, or only deleted), and the raw table is a plain scan where the staging view would first rank
        every version of every completion #}
    select completions.completion_id
    from {{ relation('stg_pars__learner_completion_versions') }} as completions
    where completions.activity_id in (select activity_id from touched_activities)
{%- endmacro %}
