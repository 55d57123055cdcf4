{#-
    The current state of a raw table: the latest version of each key (highest _load_id), without the keys
    whose latest version is a deletion by a full export. raw keeps every version (docs/loading.md).

    Nearly every key has a single version, so those rows stream through (an anti join with the few keys that have
    several), and only the keys with several versions are ranked. Ranking every row instead (a window over the
    whole table) sorted and spilled every wide row: at a decade of learner completions (20M rows) it wrote 17 GB
    to disk under the 2 GB cap, and the single-version path cut fct_learner_completions' CPU 2.6x (200 -> 77 s).
    Keys are compared with `is not distinct from`, as the window's partitions compare them.
-#}
{% macro latest_live_version(table_name, key_columns) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set same_key -%}
        {%- for key in key_columns -%}
            {{ 'and ' if not loop.first }}versions.{{ key }} is not distinct from versioned_keys.{{ key }}
        {% endfor -%}
    {%- endset -%}
    select * exclude (_is_deleted)
    from
        (
            with
                versioned_keys as (
                    select {{ keys }} from {{ source('pars', table_name) }} group by {{ keys }} having count(*) > 1
                )
            select versions.*
            from {{ source('pars', table_name) }} as versions
            anti join versioned_keys on {{ same_key }}
            union all
            select versions.*
            from {{ source('pars', table_name) }} as versions
            semi join versioned_keys on {{ same_key }}
            qualify row_number() over (partition by {{ keys }} order by _load_id desc) = 1
        )
    where not _is_deleted
{%- endmacro %}
