-- Year-over-year changes of every measure of the annual-report marts, in long form: per report year, accreditor
-- group, source mart, breakdown (the source row within its year and group: 'Total', an organization type, a
-- competency code, a profession, or '<organization type> | <activity type>' for the matrix) and measure, the
-- value, the previous year's value, the absolute change and the percent change. The first year of the data (or a
-- year after a gap) has no previous year: NULL. A percent change from 0 is NULL. Values are doubles for
-- comparison; the exact figures stay in the source marts. Every column of a source mart that is not a key or a
-- label is a measure, so a measure added to a mart gets its changes here without an edit.
{#-
    The source marts: name, the breakdown expression, the key columns besides report_year and accreditor_group,
    and the label columns that are neither key nor measure. A new annual-report mart is one more entry.
-#}
{%- set source_marts = [
    {"name": "enterprise_size", "breakdown": "'Total'", "key_columns": [], "label_columns": []},
    {
        "name": "activity_matrix",
        "breakdown": "organization_type || ' | ' || activity_type",
        "key_columns": ["organization_type", "activity_type"],
        "label_columns": [],
    },
    {
        "name": "income_by_organization_type",
        "breakdown": "organization_type",
        "key_columns": ["organization_type"],
        "label_columns": [],
    },
    {"name": "designed_and_evaluated_change", "breakdown": "'Total'", "key_columns": [], "label_columns": []},
    {
        "name": "competencies_addressed",
        "breakdown": "competency_code",
        "key_columns": ["competency_code"],
        "label_columns": ["competency_name", "competency_framework"],
    },
    {
        "name": "commercial_support_by_organization_type",
        "breakdown": "organization_type",
        "key_columns": ["organization_type"],
        "label_columns": [],
    },
    {
        "name": "other_learners_by_profession",
        "breakdown": "profession",
        "key_columns": ["profession"],
        "label_columns": [],
    },
    {
        "name": "provider_quartiles_by_organization_type",
        "breakdown": "organization_type",
        "key_columns": ["organization_type"],
        "label_columns": [],
    },
] %}
with

    {% for mart in source_marts %}
        {%- set keys = ["report_year", "accreditor_group"] + mart.key_columns %}
        {{ mart.name }}_measures as (
            select
                report_year,
                accreditor_group,
                '{{ mart.name }}' as source_model,
                {{ mart.breakdown }} as breakdown,
                measure,
                value
            from
                (
                    select
                        {{ keys | join(", ") }},
                        columns(* exclude ({{ (keys + mart.label_columns) | join(", ") }}))::double
                    from {{ ref(mart.name) }}
                )
                unpivot include nulls(value for measure in (columns(* exclude ({{ keys | join(", ") }}))))
        ),
    {% endfor %}

    measures as (
        {% for mart in source_marts %}
            {% if not loop.first %}
                union all
            {% endif %}
            select *
            from {{ mart.name }}_measures
        {% endfor %}
    ),

    compared as (
        {{ changes_from_previous_year("measures", ["accreditor_group", "source_model", "breakdown"], absolute_change=true) }}
    )

select *
from compared
