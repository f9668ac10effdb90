{#-
    Turns intervals of days into day-by-day changes over the run's as-of range, so that a running
    sum of the changes from `first_day` gives, for every day D of the range, the sum of the values
    of the intervals that contain D.

    `relation` has `account_id`, `interval_start`, `interval_end` (inclusive; null = open-ended)
    and the `value_columns`. Intervals that began before `first_day` start counting on
    `first_day` (so an incremental run needs no history before its range); each interval
    stops counting the day after its end. Returns (account_id, change_date, value columns...):
    the value columns keep their names and hold +value on the day an interval starts counting and
    -value on the day after it ends; several rows per account and day possible: aggregate them.
-#}
{% macro interval_changes(relation, value_columns, first_day, last_day) %}

    select
        account_id,
        case when interval_start < {{ first_day }} then {{ first_day }} else interval_start end as change_date,
        {%- for column in value_columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    where interval_start <= {{ last_day }}
        and (interval_end is null or (interval_end >= {{ first_day }} and interval_end >= interval_start))

    union all

    select
        account_id,
        {{ add_days('interval_end', 1) }} as change_date,
        {%- for column in value_columns %}
        -{{ column }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    where interval_end < {{ last_day }}
        and interval_end >= {{ first_day }}
        and interval_end >= interval_start

{% endmacro %}
