{#-
    One row per day (column `as_of_date`) from `first_day` to `last_day`, both ISO strings known when
    the model compiles. The number of days is counted here, in Jinja, and the rows come from
    dbt.generate_series (plain SQL on every engine), so nothing is asked of the warehouse while the
    model compiles (dbt.date_spine would query it to count the days).
-#}
{% macro day_spine(first_day, last_day) %}
    {%- set days = (modules.datetime.date.fromisoformat(last_day)
        - modules.datetime.date.fromisoformat(first_day)).days + 1 -%}
    {%- if days < 1 -%}
        {{ exceptions.raise_compiler_error("day_spine: " ~ first_day ~ " is after " ~ last_day) }}
    {%- endif -%}
    select {{ add_days("cast('" ~ first_day ~ "' as date)", 'generated_number - 1') }} as as_of_date
    from ({{ dbt.generate_series(days) }}) as series
{% endmacro %}
