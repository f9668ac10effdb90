{#-
    The labels of the conditions that hold, in the given order, joined by `separator`; null when
    none holds. Plain concatenation, so the order is the list's on every engine (Spark's listagg
    cannot order). `flags` is a list of [sql_condition, label] pairs.
-#}
{% macro flag_labels(flags, separator=', ') -%}
    {%- set pieces = [] -%}
    {%- for condition, label in flags -%}
        {%- do pieces.append("case when " ~ condition ~ " then '" ~ separator ~ label ~ "' else '' end") -%}
    {%- endfor -%}
    nullif(substr({{ dbt.concat(pieces) }}, {{ separator | length + 1 }}), '')
{%- endmacro %}
