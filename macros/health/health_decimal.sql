{#-
    A computed number as decimal(precision, scale), rounded the same on every engine. DuckDB
    divides decimals in double precision (35.855 arrives as 35.85499999...) where PostgreSQL
    divides exactly, so a direct cast could round a tie down on one and up on the other. Rounding
    to 6 decimals first absorbs the binary error, then the value is rounded half up to `scale`.
-#}
{% macro health_decimal(expression, precision, scale) -%}
    cast(cast({{ expression }} as decimal(18, 6)) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}
