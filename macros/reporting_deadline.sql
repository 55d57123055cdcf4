{#-
    The annual reporting deadline for reporting year `year`: the last business day of March of the next
    year, except where ACCME set another date (30 April 2020 for 2019, a COVID extension; 1 April 2024 for
    2023). Source: ../shared/domain/pars-domain.md section 4.
-#}
{% macro reporting_deadline(year) -%}
    case
        when {{ year }} = 2019
        then date '2020-04-30'
        when {{ year }} = 2023
        then date '2024-04-01'
        else
            last_day(make_date(({{ year }} + 1)::integer, 3, 1)) - (
                case
                    dayofweek(last_day(make_date(({{ year }} + 1)::integer, 3, 1))) when 0 then 2 when 6 then 1 else 0
                end
            )::integer
    end
{%- endmacro %}
