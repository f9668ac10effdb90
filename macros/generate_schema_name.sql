{#- Use a model's custom schema as it is (`staging`, `intermediate`, `marts`, `rules`) instead of
    dbt's `<target schema>_<custom>`, so the layers have the same names on every warehouse. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
