{#- Fails with the combinations of `combination_of_columns` that occur more than once (dbt_utils is not
    reachable offline, so the project carries the few generic tests it needs). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
