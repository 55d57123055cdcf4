{#-
    Year-partitioned incremental models: a build recomputes only the reporting years that loads touched since
    the model's last build (its watermark in meta.build_watermarks, build_watermarks.sql; the touched years per
    load in stg_pars__report_year_changes), deleting those years first (pre_hook) and inserting them again from
    the current data. A full build (first build, --full-refresh, a changed project) rebuilds every year.

    A model uses all three: config(materialized='incremental', incremental_strategy='append',
    pre_hook="{{ delete_touched_report_years() }}", post_hook="{{ remember_seen_load(this.name) }}"),
    `where {{ in_touched_report_years() }}` on its inputs, and the comment
    `-- depends_on: {{ ref('stg_pars__report_year_changes') }}` (the hooks' refs leave no trace at parse time).
-#}
{% macro touched_report_years(model_name) -%}
    (
        select distinct report_year
        from {{ ref('stg_pars__report_year_changes') }}
        where load_id > {{ last_seen_load(model_name) }}
    )
{%- endmacro %}

{#- A filter on a year-partitioned model's inputs: every row on a full build, the touched years on an
    incremental one. -#}
{% macro in_touched_report_years(column='report_year') -%}
    {%- if is_incremental() -%} {{ column }} in {{ touched_report_years(this.name) }} {%- else -%} true {%- endif -%}
{%- endmacro %}

{#- pre_hook of a year-partitioned model: delete the touched years before they are inserted again. -#}
{% macro delete_touched_report_years(column='report_year') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ column }} in {{ touched_report_years(this.name) }}
    {%- endif -%}
{%- endmacro %}

{#- Makes the calling SQL model year-partitioned incremental: the config and the parse-time dependencies. -#}
{% macro report_year_incremental(column='report_year') -%}
    {{
        config(
            materialized='incremental',
            incremental_strategy='append',
            on_schema_change='fail',
            pre_hook="{{ delete_touched_report_years('" ~ column ~ "') }}",
            post_hook="{{ remember_seen_load(this.name) }}",
        )
    }}
-- depends_on: {{ ref('stg_pars__report_year_changes') }}
-- depends_on: {{ ref('stg_pars__load_history') }}
{%- endmacro %}
