{#- numerator / denominator, null when the denominator is 0 or null (never a division error). -#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'cs_segmentation')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ dbt.type_float() }}) / nullif(cast({{ denominator }} as {{ dbt.type_float() }}), 0))
{%- endmacro %}
