{#-
    Percent change from `previous` to `current` (100 = doubled), NULL when the previous value is 0 or NULL. The
    sign follows the change, also from a negative previous value (hence abs).
-#}
{% macro percent_change(current, previous) -%}
    (({{ current }} - {{ previous }}) / nullif(abs({{ previous }}), 0) * 100)
{%- endmacro %}

{#-
    The changes of year_over_year_changes, moc.board_summary_changes and rems.summary_changes: each row of
    `measures` (report_year, the `key_columns`, measure, value) beside the same key's value of the previous report
    year, and the percent change (with `absolute_change`, the difference too). The first year of the data, or a
    year after a gap, has no previous year: NULL. Keys are text, values doubles.
-#}
{% macro changes_from_previous_year(measures, key_columns, absolute_change=false) -%}
    select
        {{ measures }}.report_year::integer as report_year,
        {%- for key in key_columns %} {{ measures }}.{{ key }}::varchar as {{ key }},{% endfor %}
        {{ measures }}.measure::varchar as measure,
        {{ measures }}.value::double as value,
        previous_year.value::double as previous_year_value,
        {%- if absolute_change %}
            {#- rounded: a difference of doubles such as 7600000.01 - 7600000.00 is otherwise 0.0099999998 #}
            round({{ measures }}.value - previous_year.value, 9)::double as absolute_change,
        {%- endif %}
        {{ percent_change(measures ~ ".value", "previous_year.value") }}::double as percent_change
    from {{ measures }}
    left join
        {{ measures }} as previous_year on previous_year.report_year = {{ measures }}.report_year - 1
        {%- for key in key_columns + ["measure"] %} and previous_year.{{ key }} = {{ measures }}.{{ key }} {%- endfor %}
{%- endmacro %}
