{#-
    Grain test: no two rows share the same values of `combination_of_columns` (what dbt_utils'
    test of the same name does; packages cannot be installed here). Rows where any of the
    columns is null are compared as well, so a null key shows up as a duplicate only if repeated.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
