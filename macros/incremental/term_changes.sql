{#-
    review.term_activities, incremental by activity and provider: a row is an activity of its provider's current
    term (int_review__term_activities: the activity's fct_activities columns, its provider's current term from the
    decisions). Loads after the model's last build can change:
    - an activity's row (its provider, dates, status, flags) or its child records (commercial support income, MOC
      registrations, REMS): those activities' rows are recomputed (deleted, inserted again from the current data);
    - a provider's current term (a decision written, of any version's provider: a decision moved to another
      provider changes both) or the provider itself (a deleted provider has no term): every row of those
      providers is recomputed.
    Everything else leaves the rows as they are, so a build after one month rewrites a few thousand rows instead of
    the whole table (410,024 at a decade).
-#}
{% macro term_changes_table() -%} meta.term_changes__{{ this.name }} {%- endmacro %}

{#- The activities and providers (one of the two columns set per row) that loads after `since` changed as above. -#}
{% macro term_changes_since(since) -%}
    {%- set versions = ref('stg_pars__term_record_changes') -%}
    select activity_id, null::varchar as provider_id
    from {{ versions }}
    where load_id > {{ since }} and activity_id is not null
    union
    select null, provider_id
    from {{ versions }}
    where load_id > {{ since }} and provider_id is not null and decision_id is null
    union
    select null, provider_id
    from {{ versions }}
    where
        decision_id in (select decision_id from {{ versions }} where load_id > {{ since }} and decision_id is not null)
{%- endmacro %}

{#- A filter on the model's input (and its pre_hook's delete): every row on a full build; on an incremental one,
    the rows of the changed activities and providers. -#}
{% macro in_term_changes() -%}
    {%- if is_incremental() -%}
        (
            activity_id in (select activity_id from {{ term_changes_table() }} where activity_id is not null)
            or provider_id in (select provider_id from {{ term_changes_table() }} where provider_id is not null)
        )
    {%- else -%} true
    {%- endif -%}
{%- endmacro %}

{#- pre_hook: find the changes once (the body reads them), delete their rows. -#}
{% macro delete_term_changes() -%}
    {%- if is_incremental() -%}
        create or replace table {{ term_changes_table() }} as {{ term_changes_since(last_seen_load(this.name)) }}
        ;
        delete from {{ this }}
        where {{ in_term_changes() }}
    {%- endif -%}
{%- endmacro %}

{#-
    review.pip_sample, incremental by provider: a provider's sample is drawn from all its counted activities of the
    current term, so a change to any of them (or to the term, or to the provider) draws the provider's sample again.
    The providers: those the changes name, and every provider any version of a changed activity names (an activity
    moved to another provider changes both providers' activities).
-#}
{% macro term_change_providers_table() -%} meta.term_change_providers__{{ this.name }} {%- endmacro %}

{#- A filter on the model's input: every provider on a full build; on an incremental one, the changed providers. -#}
{% macro in_term_change_providers() -%}
    {%- if is_incremental() -%} provider_id in (select provider_id from {{ term_change_providers_table() }})
    {%- else -%} true
    {%- endif -%}
{%- endmacro %}

{#- pre_hook: find the changed providers once (the body reads them), delete their rows. -#}
{% macro delete_term_change_providers() -%}
    {%- if is_incremental() -%}
        create or replace table {{ term_change_providers_table() }} as
        with changes as ({{ term_changes_since(last_seen_load(this.name)) }})
        select provider_id
        from changes
        where provider_id is not null
        union
        select provider_id
        from {{ ref('stg_pars__activity_versions') }}
        where activity_id in (select activity_id from changes where activity_id is not null) and provider_id is not null
        ;
        delete from {{ this }}
        where {{ in_term_change_providers() }}
    {%- endif -%}
{%- endmacro %}
