{#- A date plus a whole number of days, as a date (dbt.dateadd returns a timestamp on some engines). -#}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days', 'cs_segmentation')(date_expression, days)) }}
{%- endmacro %}

{#- PostgreSQL and DuckDB: date + integer is a date. -#}
{% macro default__add_days(date_expression, days) -%}
    ({{ date_expression }} + cast({{ days }} as integer))
{%- endmacro %}

{#- Spark: date_add takes an int (dbt.generate_series yields doubles there). -#}
{% macro spark__add_days(date_expression, days) -%}
    date_add({{ date_expression }}, cast({{ days }} as int))
{%- endmacro %}
