{#- A model's data checks in one test node (dbt spends about 19 ms of fixed cost per node, before any SQL).

    unique: columns whose values occur once each (NULL is not counted: dbt's unique).
    unique_combinations: lists of columns whose combinations occur once each (grouped as they are, NULL too:
      unique_combination_of_columns).
    not_null: columns. accepted_values: {column: [values]} (strings quoted, numbers not; NULL passes).
    accepted_range: {column: {min_value: x, max_value: y}} (inclusive, either bound optional; NULL passes).
    relationships: [{column: c, to: ref('parent'), field: f}]: every non-NULL c is a parent's f.

    Contracted tables carry not_null, accepted values and ranges as column constraints instead (enforced at
    insert, no node), so their checks hold only keys and relationships; views cannot carry constraints.
    Returns one row per failure: failed_check names the check, key identifies the row (its values of the first
    unique combination, else of the first unique column, else the whole row as JSON; for a duplicate, the
    duplicated key), failing_value says what is wrong.
    The row checks share one scan of the model: a view is evaluated once for all of them.

    changed_rows: {report_years: column, year_of: column} | {loads: column} | {activities: column}
      | {completions: column}
      | {latest_versions: versions view, key: column}: on a build
      after loads, check only the rows those loads can have changed (macros/incremental/check_scope.sql); every
      row otherwise. year_of names a column whose rows all have one reporting year (activity_id in a model with
      the activity's year). A unique key without a column of changed_rows is checked over every row that has the
      key of a changed row (a duplicate of a changed row may be in an untouched year). -#}
{% test checks(
    model,
    unique=[],
    unique_combinations=[],
    not_null=[],
    accepted_values={},
    accepted_range={},
    relationships=[],
    changed_rows={}
) %}
    {%- set condition = changed_rows_condition(changed_rows) | trim -%}
    {%- set scoped = changed_rows_scoped(model, changed_rows, condition) | trim -%}
    {#- a key with one of these columns has all its rows in one year (or, loads: from one load) -#}
    {%- set scope_columns = (changed_rows or {}).values() | list -%}
    {%- set keys = [] -%}
    {%- for columns in unique_combinations or [] -%} {%- do keys.append(columns) -%} {%- endfor -%}
    {%- for column in unique or [] -%} {%- do keys.append([column]) -%} {%- endfor -%}
    {%- set row_key -%}
        {%- if keys -%}
            concat_ws(
                ' | '
                {%- for column in keys[0] %}, coalesce({{ column }}::varchar, 'NULL'){% endfor -%}
            )
        {%- else -%} to_json(checked)::varchar
        {%- endif -%}
    {%- endset -%}
    {%- set row_checks = [] -%}
    {%- for column in not_null or [] -%}
        {%- do row_checks.append(
            (column ~ " is null", "not_null(" ~ column ~ ")", "null::varchar")
        ) -%}
    {%- endfor -%}
    {%- for column, values in (accepted_values or {}).items() -%}
        {%- set listed = [] -%}
        {%- for value in values -%}
            {%- do listed.append(
                ("'" ~ (value | replace("'", "''")) ~ "'") if value is string else value
                | string
            ) -%}
        {%- endfor -%}
        {%- do row_checks.append(
            (
                column ~ " not in (" ~ listed | join(", ") ~ ")",
                "accepted_values(" ~ column ~ ")",
                column ~ "::varchar",
            )
        ) -%}
    {%- endfor -%}
    {%- for column, bounds in (accepted_range or {}).items() -%}
        {%- set outside = [] -%}
        {%- set label = [] -%}
        {%- if bounds.get('min_value') is not none -%}
            {%- do outside.append(column ~ " < " ~ bounds.min_value) -%}
            {%- do label.append(column ~ " >= " ~ bounds.min_value) -%}
        {%- endif -%}
        {%- if bounds.get('max_value') is not none -%}
            {%- do outside.append(column ~ " > " ~ bounds.max_value) -%}
            {%- do label.append(column ~ " <= " ~ bounds.max_value) -%}
        {%- endif -%}
        {%- do row_checks.append(
            (
                "(" ~ outside | join(" or ") ~ ")",
                "accepted_range(" ~ label | join(" and ") ~ ")",
                column ~ "::varchar",
            )
        ) -%}
    {%- endfor -%}
    {#- Scoped (a build after loads), the changed rows are found once for every check: the checks below read them
        two or three times, and each read evaluated the scope again (a scan of 20M completions at a decade for
        each). Only the columns the checks read are kept, so it stays small; not without a key (the row key is
        then the whole row). -#}
    {%- if condition != 'true' and keys -%}
        {%- set needed = [] -%}
        {%- for column in (keys | sum(start=[])) + (not_null or []) + ((accepted_values or {}).keys() | list) + (
            (accepted_range or {}).keys() | list
        ) -%}
            {%- if column not in needed -%} {%- do needed.append(column) -%} {%- endif -%}
        {%- endfor -%}
        {%- for link in relationships or [] -%}
            {%- if link.column not in needed -%} {%- do needed.append(link.column) -%} {%- endif -%}
        {%- endfor %}
        with
            changed_rows as materialized(select {{ needed | join(", ") }} from {{ scoped }} as scoped_source)
            {%- set scoped = "changed_rows" %}
    {%- endif %}
    select failed_check, key, failing_value
    from
        (
            select null::varchar as failed_check, null::varchar as key, null::varchar as failing_value
            where false
            {%- if row_checks %}
                union all
                select failure.failed_check, key, failure.failing_value
                from
                    (
                        select
                            {{ row_key }} as key,
                            unnest(
                                [
                                    {%- for condition, label, value in row_checks %}
                                        case
                                            when {{ condition }}
                                            then {'failed_check':'{{ label }}', 'failing_value':{{ value }}}
                                        end
                                        {%- if not loop.last %},{% endif %}
                                    {%- endfor %}
                                ]
                            ) as failure
                        from {{ scoped }} as checked
                        where false {%- for condition, label, value in row_checks %} or {{ condition }} {%- endfor %}
                    ) as flagged
                where failure is not null
            {%- endif %}
            {%- for key in keys %}
                union all
                select
                    'unique({{ key | join(", ") }})' as failed_check,
                    concat_ws(
                        ' | ' {%- for column in key %}, coalesce({{ column }}::varchar, 'NULL'){% endfor -%}
                    ) as key,
                    count(*) || ' rows' as failing_value
                {%- if condition == 'true' or key | select('in', scope_columns) | list %}
                    from {{ scoped }} as checked where true
                {%- else %}
                    from {{ model }} as checked
                    where
                        exists (
                            select 1
                            from {{ scoped }} as changed
                            where
                                true
                                {%- for column in key %}
                                    and changed.{{ column }} is not distinct from checked.{{ column }}
                                {%- endfor %}
                        )
                {%- endif %} {%- if key | length == 1 %} and {{ key[0] }} is not null {%- endif %}
                group by {{ key | join(", ") }}
                having count(*) > 1
            {%- endfor %}
            {%- for link in relationships or [] %}
                union all
                select
                    'relationships({{ link.column }} -> {{ link.to.identifier }}.{{ link.field }})' as failed_check,
                    {{ row_key }} as key,
                    checked.{{ link.column }}::varchar as failing_value
                from {{ scoped }} as checked
                left join
                    (select {{ link.field }} as parent_value from {{ link.to }}) as parent
                    on checked.{{ link.column }} = parent.parent_value
                where checked.{{ link.column }} is not null and parent.parent_value is null
            {%- endfor %}
        ) as failures
{% endtest %}
