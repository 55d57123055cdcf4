{#-
    The failing rows of a reconciliation test (data-tests/assert_*): `actual` and `expected` are CTEs with the
    same `key_columns` and `measures`. A key missing from `actual`, or from `expected`, is a failing row, and so
    is a measure that differs (is distinct from, or by more than its tolerance where `tolerances` gives one; a
    NULL there fails). With `absent_is_zero`, a key missing from `expected` counts as zeros: a core fact has no
    row where nothing happened, a mart has a row of zeros.
-#}
{% macro rows_that_differ(actual, expected, key_columns, measures, tolerances={}, absent_is_zero=false) -%}
    {%- set first_key = key_columns[0] %}
    select
        {%- for key in key_columns %}
            coalesce({{ actual }}.{{ key }}, {{ expected }}.{{ key }}) as {{ key }},
        {%- endfor %}
        {%- for measure in measures %}
            {%- set expected_value = expected ~ "." ~ measure %}
            {%- if absent_is_zero %} {%- set expected_value = "coalesce(" ~ expected_value ~ ", 0)" %} {%- endif %}
            {{ actual }}.{{ measure }} as actual_{{ measure }},
            {{ expected_value }} as expected_{{ measure }},
        {%- endfor %}
        {{ actual }}.{{ first_key }} is null as is_missing_from_actual,
        {{ expected }}.{{ first_key }} is null as is_missing_from_expected
    from {{ actual }}
    full outer join
        {{ expected }}
        on {%- for key in key_columns %}
            {{ "and" if not loop.first }} {{ actual }}.{{ key }} = {{ expected }}.{{ key }}
        {%- endfor %}
    where
        {{ actual }}.{{ first_key }} is null
        {%- if not absent_is_zero %} or {{ expected }}.{{ first_key }} is null {%- endif %}
        {%- for measure in measures %}
            {%- set expected_value = expected ~ "." ~ measure %}
            {%- if absent_is_zero %} {%- set expected_value = "coalesce(" ~ expected_value ~ ", 0)" %} {%- endif %}
            {%- if measure in tolerances %}
                or coalesce(abs({{ actual }}.{{ measure }} - {{ expected_value }}) > {{ tolerances[measure] }}, true)
            {%- else %} or {{ actual }}.{{ measure }} is distinct from {{ expected_value }}
            {%- endif %}
        {%- endfor %}
{%- endmacro %}
