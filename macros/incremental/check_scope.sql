{#-
    A build after loads checks only the rows those loads can have changed (warehouse/build/check_scope.py).

    `pars build` writes meta.check_scope (one row, since_load_id) into its working copy before dbt runs: the last
    load through which every data test passed on this warehouse (the last whole build that ran them), or NULL
    (a first or full build, a changed project, a --select build, or no such build yet): then every row is checked.
    A `checks` test given `changed_rows` (macros/generic_tests/checks.sql) checks, when since_load_id is set, only
    the rows that loads after it can have changed; the other rows passed the same checks in the build that wrote
    them and are unchanged. Which rows those are, by the model's grain:
    - report_years: column: the rows of the reporting years those loads touched (stg_pars__report_year_changes);
    - loads: column: the rows whose version a later load wrote (a staging view: every row of a key comes from
      that key's latest load, so a key's rows are all in or all out);
    - activities: column: the rows of the activities a later load changed (its row, a child record, its provider:
      stg_pars__activity_changes, as the models incremental by activity recompute them);
    - completions: column: the completions a later load wrote or whose activity, MOC registration or provider
      it changed (stg_pars__completion_changes, as fct_learner_completions recomputes them);
    - latest_versions: a staging view of raw versions, key: column: the view's rows for the keys a later load
      wrote a version of, found from the versions later loads wrote (changed_rows_scoped;
      stg_pars__learner_completions).
    The tables and views named here are found in dbt's graph, not with ref(): a ref would make them parents of
    the test, and a `--select` build runs only the tests whose every parent is selected. Every model whose test
    uses report_years is built after stg_pars__report_year_changes (it reads a year-partitioned model).
-#}
{#- The relation of a model of this project, by name, without a parse-time dependency. -#}
{% macro relation_named(name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == name -%}
        {{ node.relation_name }}
    {%- endfor -%}
{%- endmacro %}

{#- The load the checks start after (an integer), or none: every row. Read when the test runs, so that the test's
    SQL holds it as a literal (`x is null or ...` around a subquery kept DuckDB from planning the IN as a semi
    join: 5.4 s instead of 2.0 s for fct_learner_completions' checks at a decade). A dbt run outside `pars build`
    (no meta.check_scope) checks every row. -#}
{% macro check_scope_since() -%}
    {%- if not execute -%} {{ return(none) }} {%- endif -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_schema = 'meta' and table_name = 'check_scope'"
    ) -%}
    {%- if found.columns[0].values()[0] == 0 -%} {{ return(none) }} {%- endif -%}
    {%- set since = run_query("select since_load_id from meta.check_scope").columns[0].values() -%}
    {{ return(since[0] if since and since[0] is not none else none) }}
{%- endmacro %}

{#- A condition true for the rows of `checked` a check must read: every row, or (since_load_id set) those that
    loads after it can have changed (latest_versions: the versions they wrote, which changed_rows_scoped ranks). -#}
{% macro changed_rows_condition(changed_rows) -%}
    {%- set since = check_scope_since() if changed_rows else none -%}
    {%- if since is none -%} true
    {%- elif changed_rows.report_years -%}
        (
            {{ changed_rows.report_years }} is null
            or {{ changed_rows.report_years }} in (
                select report_year
                from {{ relation_named('stg_pars__report_year_changes') }}
                where load_id > {{ since }}
            )
        )
    {%- elif changed_rows.loads -%} {{ changed_rows.loads }} > {{ since }}
    {%- elif changed_rows.latest_versions -%} _load_id > {{ since }}
    {%- elif changed_rows.activities -%}
        {{ changed_rows.activities }} in ({{ activities_changed_since(since, relation_named) }})
    {%- elif changed_rows.completions -%}
        {{ changed_rows.completions }} in ({{ completions_changed_since(since, relation_named) }})
    {%- else -%}
        {{
            exceptions.raise_compiler_error(
                "changed_rows: report_years, loads, activities, completions or latest_versions"
            )
        }}
    {%- endif -%}
{%- endmacro %}

{#- The rows of `model` a check reads, given the condition changed_rows_condition made: the model's rows that meet
    it, or (latest_versions, since_load_id set) the rows the staging view of those versions gives for the keys
    later loads wrote: each key's latest version, deletions left out (latest_live_version's rule, as
    fct_learner_completions' incremental branch applies it). Not through the view, which first groups every key
    of the raw table (20M at a decade) whatever the filter on it; and not from every version of those keys
    either: a key's latest version is the one of its newest load, so for a key a load after since_load_id wrote,
    it is among the versions those loads wrote, which are all it reads (raw grows in load order: the newest row
    groups). At a decade's last month 0.02 s instead of 0.8-1.0 s with the same rows. Its columns are the raw
    table's (the checks name only the key). -#}
{% macro changed_rows_scoped(model, changed_rows, condition) -%}
    {%- if condition != 'true' and changed_rows.latest_versions -%}
        (
            select * exclude (_is_deleted)
            from
                (
                    select *
                    from {{ relation_named(changed_rows.latest_versions) }} as versions
                    where {{ condition }}
                    qualify row_number() over (partition by {{ changed_rows.key }} order by _load_id desc) = 1
                ) as latest
            where not _is_deleted
        )
    {%- else -%} (select * from {{ model }} as scoped_rows where {{ condition }})
    {%- endif -%}
{%- endmacro %}
