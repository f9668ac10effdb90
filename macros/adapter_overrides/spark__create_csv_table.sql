{#- dbt-spark's seed table DDL, with the seed's column_types in Spark's spelling (spark_seed_model). -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {{ return(dbt.spark__create_csv_table(cs_segmentation.spark_seed_model(model), agate_table)) }}
{% endmacro %}
