{#-
    Config of a daily incremental model whose run recomputes every row of the days it covers:
    `{{ config(materialized='incremental', **incremental_by_day('as_of_date', ['account_id', 'as_of_date'])) }}`.
    DuckDB and PostgreSQL delete the rows of the new keys and insert the new rows (delete+insert on
    unique_key); Spark tables without Delta cannot delete rows, so there the table is partitioned
    by the day and the run's days are overwritten as whole partitions (insert_overwrite).
-#}
{% macro incremental_by_day(day_column, unique_key=none) %}
    {{ return(adapter.dispatch('incremental_by_day', 'cs_segmentation')(day_column, unique_key)) }}
{% endmacro %}

{% macro default__incremental_by_day(day_column, unique_key) %}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': unique_key or day_column}) }}
{% endmacro %}

{% macro spark__incremental_by_day(day_column, unique_key) %}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [day_column]}) }}
{% endmacro %}
