{#-
    A data type written the ANSI / PostgreSQL way (as contracts, seeds and casts in this project
    are) in Spark SQL's spelling. Spark rejects a `varchar` without a length and has no
    `double precision`; other names pass unchanged.
-#}
{% macro spark_type_name(type_name) %}
    {%- set spark_names = {
        'varchar': 'string',
        'character varying': 'string',
        'text': 'string',
        'double precision': 'double',
        'float8': 'double',
        'real': 'float',
        'float4': 'float',
        'int4': 'int',
        'int8': 'bigint',
        'timestamp without time zone': 'timestamp',
    } -%}
    {{ return(spark_names.get(type_name | trim | lower, type_name)) }}
{% endmacro %}
