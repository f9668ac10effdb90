{#-
    A metric value as a 0-100 score: linear from `floor` (0) to `target` (100), clipped to 0-100.
    A target below the floor (fewer tickets are better) makes the same line fall, so one formula
    serves both directions. Null when the value (or the metric's floor/target) is null: no data.
    Written with `case`, not least/greatest: PostgreSQL's greatest(null, 0) is 0, not null.
-#}
{% macro health_metric_score(value, floor, target) -%}
    {%- set position = "((" ~ value ~ ") - (" ~ floor ~ ")) / nullif((" ~ target ~ ") - (" ~ floor ~ "), 0)" -%}
    case
        when {{ position }} is null then null
        when {{ position }} <= 0 then 0
        when {{ position }} >= 1 then 100
        else 100 * {{ position }}
    end
{%- endmacro %}
