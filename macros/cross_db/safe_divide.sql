{#- numerator / denominator, null when the denominator is 0 or null (never a division error). -#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'cs_segmentation')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ dbt.type_float() }}) / nullif(cast({{ denominator }} as {{ dbt.type_float() }}), 0))
{%- endmacro %}

{#- DuckDB's `float` has 4 bytes (0.3 would read 0.30000001): divide in double precision. -#}
{% macro duckdb__safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}
