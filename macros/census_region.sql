{#- US Census region of a USPS state code (territories and non-US providers: 'Other'). -#}
{% macro census_region(state) -%}
    case
        when {{ state }} in ('CT', 'ME', 'MA', 'NH', 'RI', 'VT', 'NJ', 'NY', 'PA')
        then 'Northeast'
        when {{ state }} in ('IL', 'IN', 'MI', 'OH', 'WI', 'IA', 'KS', 'MN', 'MO', 'NE', 'ND', 'SD')
        then 'Midwest'
        when
            {{ state }}
            in ('DE', 'DC', 'FL', 'GA', 'MD', 'NC', 'SC', 'VA', 'WV', 'AL', 'KY', 'MS', 'TN', 'AR', 'LA', 'OK', 'TX')
        then 'South'
        when {{ state }} in ('AZ', 'CO', 'ID', 'MT', 'NV', 'NM', 'UT', 'WY', 'AK', 'CA', 'HI', 'OR', 'WA')
        then 'West'
        else 'Other'
    end
{%- endmacro %}
