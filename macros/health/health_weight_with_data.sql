{#-
    The sum of the weights of the scores that have data (not null): the part of the weight a
    weighted mean really uses. `pairs` is a list of [score expression, weight expression]; a null
    weight counts as 0 (a metric the profile does not score).
-#}
{% macro health_weight_with_data(pairs) -%}
    ({% for score, weight in pairs %}case when ({{ score }}) is not null then coalesce({{ weight }}, 0) else 0 end{{ ' + ' if not loop.last }}{% endfor %})
{%- endmacro %}
