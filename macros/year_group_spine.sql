{#-
    The rows every Data Report mart shows, data or not: each report year x accreditor group x each code of the
    code lists named in `codes` (e.g. ['organization_type']). The model must have CTEs report_years,
    accreditor_groups and, per code, one named as its plural (organization_types, activity_types).
-#}
{% macro year_group_spine(codes) -%}
    select
        report_years.report_year,
        accreditor_groups.accreditor_group
        {%- for code in codes %}, {{ code }}s.{{ code }}{% endfor %}
    from report_years
    cross join accreditor_groups
    {%- for code in codes %} cross join {{ code }}s {%- endfor %}
{%- endmacro %}
