{#- The account key a connector row holds, as text, from the var that names it: a column
    (`external_id`) or a field of a JSON column (`metadata.account_id`). -#}
{% macro account_key(key_var) -%}
    {%- set spec = var(key_var) | string | trim -%}
    {%- set parts = spec.split('.', 1) -%}
    {%- if parts | length == 1 -%}
        cast({{ adapter.quote(parts[0]) }} as {{ dbt.type_string() }})
    {%- else -%}
        {{ json_text(adapter.quote(parts[0]), parts[1]) }}
    {%- endif -%}
{%- endmacro %}
