{#-
    The Data Report's accreditor groups: every row counts in its own group (its accreditor_type) and again in
    'All', so All is the sum of ACCME, State and Joint by construction. `rows` is a CTE with accreditor_type;
    the model must also have a CTE named accreditor_groups (the seed of that name).
-#}
{% macro in_own_group_and_all(rows) -%}
    select accreditor_groups.accreditor_group, {{ rows }}.*
    from {{ rows }}
    inner join accreditor_groups on accreditor_groups.accreditor_group in ({{ rows }}.accreditor_type, 'All')
{%- endmacro %}
