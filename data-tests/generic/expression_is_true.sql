{#-
    Invariant test: every row satisfies `expression` (what dbt_utils' expression_is_true does;
    packages cannot be installed here). A row where the expression is null fails too.
-#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
