{#-
    Rolling-window presence as intervals. A key (e.g. a user) seen on day d is "in the window"
    of the `window_days` days ending on each day from d to d + window_days - 1. Days seen whose
    windows touch or overlap are merged (gaps and islands), so the result has one row per key and
    stretch of presence: (partition columns..., interval_start, interval_end). Distinct counts over
    a rolling window then follow from +1/-1 changes at the interval bounds (interval_changes),
    without joining every day against every row.

    `relation` must have the partition columns and `date_column`, one row per key and day.
-#}
{% macro window_islands(relation, partition_columns, date_column, window_days) %}
    {%- set partition = partition_columns | join(', ') %}

    select
        {{ partition }},
        min({{ date_column }}) as interval_start,
        {{ add_days('max(' ~ date_column ~ ')', window_days - 1) }} as interval_end
    from (
        select
            {{ partition }},
            {{ date_column }},
            sum(is_island_start) over (
                partition by {{ partition }}
                order by {{ date_column }}
                rows between unbounded preceding and current row
            ) as island_number
        from (
            select
                {{ partition }},
                {{ date_column }},
                -- a new stretch starts when the previous day seen is more than a window back
                case
                    when lag({{ date_column }}) over (partition by {{ partition }} order by {{ date_column }})
                        >= {{ add_days(date_column, -window_days) }}
                        then 0
                    else 1
                end as is_island_start
            from {{ relation }}
        ) as flagged
    ) as numbered
    group by {{ partition }}, island_number

{% endmacro %}
