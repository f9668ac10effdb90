{#-
    dbt compares a unit test's actual and expected rows as text. PostgreSQL's unconstrained
    `numeric` (what sum() of a decimal returns) keeps each value's scale, so 7.000000 and the
    expected 7 would differ though they are the same number (DuckDB and Spark give a column one
    scale). Compare numeric columns by value: trim_scale drops trailing zeros on both sides.
    Found by dbt's dispatch (dbt_project.yml `dispatch`: this project first for `dbt` macros).
-#}
{% macro postgres__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {%- set numeric_columns = [] -%}
    {%- for column in adapter.get_column_schema_from_query(get_empty_subquery_sql(expected_fixture_sql)) -%}
        {%- if column.dtype | lower in ('numeric', 'decimal') -%}
            {%- do numeric_columns.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor %}
select
    {%- for quoted_name in expected_column_names %}
    {%- if (quoted_name | replace('"', '') | lower) in numeric_columns %}
    trim_scale({{ quoted_name }}) as {{ quoted_name }},
    {%- else %}
    {{ quoted_name }},
    {%- endif %}
    {%- endfor %}
    {{ adapter.quote('actual_or_expected') }}
from (
    {{ dbt.default__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) }}
) as unit_test_rows
{%- endmacro %}
