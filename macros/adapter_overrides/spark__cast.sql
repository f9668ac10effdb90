{#-
    dbt.cast on Spark with the type translated (spark_type_name). dbt checks an enforced contract
    with `cast(null as <data_type>)` for each column of the YAML, so this lets every contract say
    `varchar` or `double precision` on all engines; models cast with `dbt.cast` for the same reason.
-#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ cs_segmentation.spark_type_name(type) }})
{%- endmacro %}
