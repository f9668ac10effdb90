{#- A copy of a seed's node whose `column_types` are in Spark's spelling (see spark_type_name). -#}
{% macro spark_seed_model(model) %}
    {%- set column_types = {} -%}
    {%- for column, type_name in (model['config'].get('column_types') or {}).items() -%}
        {%- do column_types.update({column: cs_segmentation.spark_type_name(type_name)}) -%}
    {%- endfor -%}
    {%- set seed_config = {} -%}
    {%- do seed_config.update(model['config']) -%}
    {%- do seed_config.update({'column_types': column_types}) -%}
    {%- set seed_model = {} -%}
    {%- do seed_model.update(model) -%}
    {%- do seed_model.update({'config': seed_config}) -%}
    {{ return(seed_model) }}
{% endmacro %}
