{#-
    Models incremental by activity: a build recomputes only the activities that loads changed since the model's last
    build (its watermark in meta.build_watermarks), deleting their rows first (pre_hook) and inserting them again
    from the current data, read from the raw versions of those activities alone (the staging views rank every
    version of every key whatever the filter). A full build (first build, --full-refresh, a changed project)
    rebuilds every activity from the staging views.

    An activity is changed by a load that wrote a version (new content or a deletion) of its row or of one of its
    child records (commercial supporters, joint providers, MOC registrations, REMS, learner professions), or of its
    provider (the provider's attributes are joined into the activity's row): meta.stg_pars__activity_changes keeps
    them per load, found once per build.

    A model uses: {{ activity_incremental() }} (the config and the parse-time dependencies), its records from
    current_records('stg_pars__...') (the staging view on a full build, the changed activities' latest live
    versions on an incremental one), and `where {{ in_changed_activities() }}` on the models it reads.
-#}
{% macro activity_incremental() -%}
    {{
        config(
            materialized='incremental',
            incremental_strategy='append',
            on_schema_change='fail',
            pre_hook="{{ delete_changed_activities() }}",
            post_hook="{{ remember_seen_load(this.name) }}",
        )
    }}
-- depends_on: {{ ref('stg_pars__activity_changes') }}
-- depends_on: {{ ref('stg_pars__load_history') }}
{%- endmacro %}

{#- pre_hook of a model incremental by activity: find the activities changed since its last build (kept in
    affected_activities_table() for its body), and delete their rows. -#}
{% macro delete_changed_activities() -%}
    {%- if is_incremental() -%}
        {#- relation_named, not ref: the views it may read (activities_changed_by_loads_after) are no parents of the
            model (a hook's ref must be one), and every build has them #}
        create or replace table {{ affected_activities_table() }} as
        {{ activities_changed_since(last_seen_load(this.name), relation_named) }}
        ;
        delete from {{ this }}
        where activity_id in (select activity_id from {{ affected_activities_table() }})
    {%- endif -%}
{%- endmacro %}

{#- A filter on an input of a model incremental by activity: every row on a full build, the changed activities'
    on an incremental one. -#}
{% macro in_changed_activities(column='activity_id') -%}
    {%- if is_incremental() -%} {{ column }} in (select activity_id from {{ affected_activities_table() }})
    {%- else -%} true
    {%- endif -%}
{%- endmacro %}

{#- The current rows of an activity's staging view (macros/activity_records.sql): the view itself on a full build;
    on an incremental one, its rule (each key's latest version, deletions left out: latest_live_version) applied to
    the raw versions of the changed activities alone, with the view's columns. -#}
{% macro current_records(staging_model) -%}
    {%- set spec = activity_record_specs()[staging_model] -%}
    {#- the versions view, read only by an incremental build: a parse-time dependency (a comment on its own line) #}
    -- depends_on: {{ ref(spec.versions) }}
    {% if is_incremental() %}
        select {{ staging_columns(spec.table) }}, _load_id as loaded_by_load_id, _export_id as loaded_from_export_id
        from
            (
                select *
                from {{ ref(spec.versions) }}
                where activity_id in (select activity_id from {{ affected_activities_table() }})
                qualify row_number() over (partition by {{ spec['keys'] | join(', ') }} order by _load_id desc) = 1
            ) as latest
        where not _is_deleted
    {% else %} select * from {{ ref(staging_model) }}
    {%- endif -%}
{%- endmacro %}

{#- The activities that loads after `since` (SQL giving a load_id) can have changed; `relation` gives a model's
    relation by name (ref in a model; relation_named in a test: macros/incremental/check_scope.sql). Read from
    stg_pars__activity_changes (found once per build) when it covers those loads, else found again from the raw
    versions. -#}
{% macro activities_changed_since(since, relation) -%}
    {%- if activity_changes_cover(since, relation) -%}
        select distinct activity_id
        from {{ relation('stg_pars__activity_changes') }}
        where load_id > {{ since }} and activity_id is not null
    {%- else -%} select distinct activity_id from ({{ activities_changed_by_loads_after(since, relation) }}) as changed
    {%- endif -%}
{%- endmacro %}

{#- (load_id, activity_id) for every activity a load after `since` changed, from the raw versions (through the
    staging views of versions; raw grows in load order, so a filter on _load_id reads only the newest row groups):
    a version of the activity or of one of its child records, or of its provider (every activity any version of
    which names that provider: a superset of its current ones, harmless, those are only recomputed). -#}
{% macro activities_changed_by_loads_after(since, relation) -%}
    select _load_id as load_id, activity_id
    from {{ relation('stg_pars__activity_versions') }}
    where _load_id > {{ since }}
    {%- for model, spec in activity_record_specs().items() if spec.table != 'activities' %}
        union
        select _load_id, activity_id
        from {{ relation(spec.versions) }}
        where _load_id > {{ since }}
    {%- endfor %}
    union
    select providers.load_id, activities.activity_id
    from {{ relation('stg_pars__record_changes') }} as providers
    inner join {{ relation('stg_pars__activity_versions') }} as activities using (provider_id)
    where providers.table_name = 'providers' and providers.load_id > {{ since }}
{%- endmacro %}

{#- Whether stg_pars__activity_changes holds every activity changed after `since` (change_log_covers,
    macros/incremental/build_watermarks.sql). -#}
{% macro activity_changes_cover(since, relation) -%}
    {{ return(change_log_covers("stg_pars__activity_changes", "activity_id", since, relation)) }}
{%- endmacro %}

{#- pre_hook of int_review__completeness_problems (incremental by activity, with rules that read the newest export's
    date): find the activities whose data loads changed since its last build (their rows, child records, provider,
    MOC registrations: activities_changed_since; their completions: completion_activities_changed_since, as
    int_review__completion_tally) and delete their rows, and every row of the date rules, which its body computes
    again for every activity. -#}
{% macro delete_problem_activities() -%}
    {%- if is_incremental() -%}
        {%- set since = last_seen_load(this.name) -%}
        create or replace table {{ affected_activities_table() }} as
        select activity_id
        from ({{ activities_changed_since(since, relation_named) }}) as own_data
        union
        select activity_id
        from ({{ completion_activities_changed_since(since, relation_named) }}) as completions
        ;
        delete from {{ this }}
        where
            activity_id in (select activity_id from {{ affected_activities_table() }})
            or rule_code in ('{{ completeness_date_rules() | join("', '") }}')
    {%- endif -%}
{%- endmacro %}

{#- The completeness rules that read the newest export's date (int_review__completeness_problems computes them for
    every activity by every build; tests/test_ops_rules.py holds this list to the model's rules that read it). -#}
{% macro completeness_date_rules() -%}
    {{ return(['open_after_deadline', 'enduring_open_past_3_years', 'rss_open_past_12_months']) }}
{%- endmacro %}
