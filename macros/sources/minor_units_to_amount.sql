{#- An amount in a currency's minor unit (Stripe's cents) as a decimal amount in the currency. -#}
{% macro minor_units_to_amount(expression) -%}
    cast(cast({{ expression }} as {{ dbt.type_numeric() }}) / 100 as {{ dbt.type_numeric() }})
{%- endmacro %}
