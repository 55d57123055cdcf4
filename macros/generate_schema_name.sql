{#- Use a model's custom schema name as is (annual_report, moc, ...): other tools rely on those names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%} {{ target.schema }} {%- else -%} {{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
