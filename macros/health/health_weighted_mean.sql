{#-
    Weighted mean of the scores that have data: scores without data are left out and the other
    weights rescaled to their sum. Null when no score with a positive weight has data.
    `pairs` is a list of [score expression, weight expression].
-#}
{% macro health_weighted_mean(pairs) -%}
    (({% for score, weight in pairs %}coalesce(({{ score }}) * ({{ weight }}), 0){{ ' + ' if not loop.last }}{% endfor %})
        / nullif({{ health_weight_with_data(pairs) }}, 0))
{%- endmacro %}
