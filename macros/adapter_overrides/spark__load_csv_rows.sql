{#-
    dbt-spark's seed inserts pass values as bindings, and with `method: session` a null binding
    arrives as the text 'None'. Inline the values as literals instead (seeds are small lookup
    tables), cast to the seed's column types in Spark's spelling (spark_seed_model).
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_types = cs_segmentation.spark_seed_model(model)['config']['column_types'] -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            (
                {%- for value in row -%}
                    {%- set column_index = loop.index0 -%}
                    {%- set column_type = column_types.get(agate_table.column_names[column_index], adapter.convert_type(agate_table, column_index)) -%}
                    {%- if value is none -%}
                        cast(null as {{ column_type }})
                    {%- else -%}
                        cast({{ dbt.string_literal(dbt.escape_single_quotes(value | string | replace('\\', '\\\\'))) }} as {{ column_type }})
                    {%- endif -%}
                    {{- ', ' if not loop.last -}}
                {%- endfor -%}
            ){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
