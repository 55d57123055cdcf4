{#-
    The current state of a raw table: the latest version of each key (highest _load_id), without the keys
    whose latest version is a deletion by a full export. raw keeps every version (docs/loading.md).
-#}
{% macro latest_live_version(table_name, key_columns) -%}
    select * exclude (_is_deleted)
    from
        (
            select *
            from {{ source('pars', table_name) }}
            qualify row_number() over (partition by {{ key_columns | join(', ') }} order by _load_id desc) = 1
        )
    where not _is_deleted
{%- endmacro %}
