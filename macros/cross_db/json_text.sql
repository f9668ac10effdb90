{#- A field of a JSON object held as text, as text (null when absent). The loader checks that such
    a column parses as JSON, so no engine meets a malformed one. -#}
{% macro json_text(column, field) -%}
    {{ return(adapter.dispatch('json_text', 'cs_segmentation')(column, field)) }}
{%- endmacro %}

{#- PostgreSQL: the text as jsonb, its field as text. -#}
{% macro default__json_text(column, field) -%}
    (cast({{ column }} as jsonb) ->> '{{ field }}')
{%- endmacro %}

{% macro duckdb__json_text(column, field) -%}
    json_extract_string({{ column }}, '$.{{ field }}')
{%- endmacro %}

{% macro spark__json_text(column, field) -%}
    get_json_object({{ column }}, '$.{{ field }}')
{%- endmacro %}
