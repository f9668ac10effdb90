{#-
    The labels of the conditions that hold, in the given order, joined by `separator`; null when
    none holds. Plain concatenation, so the order is the list's on every engine (Spark's listagg
    cannot order). `flags` is a list of [sql_condition, label] pairs, or [sql_condition, label,
    sql_detail] triples whose label is followed by ': ' and the detail's text.
-#}
{% macro flag_labels(flags, separator=', ') -%}
    {%- set pieces = [] -%}
    {%- for flag in flags -%}
        {%- set text = "'" ~ separator ~ flag[1] ~ "'" -%}
        {%- if flag | length > 2 -%}
            {%- set text = dbt.concat(["'" ~ separator ~ flag[1] ~ ": '", flag[2]]) -%}
        {%- endif -%}
        {%- do pieces.append("case when " ~ flag[0] ~ " then " ~ text ~ " else '' end") -%}
    {%- endfor -%}
    nullif(substr({{ dbt.concat(pieces) }}, {{ separator | length + 1 }}), '')
{%- endmacro %}
