{#-
    The days a daily fact table (one row per day of raw activity, e.g. events per user and day)
    recomputes in this run, as ISO strings {'start', 'end', 'end_exclusive'} (`end_exclusive` is
    the day after `end`: timestamps of the range are before its start). `start` is none on a
    first build or --full-refresh: the whole history up to the run's as-of end.

    On an incremental run the range is the run's as-of range, widened back to the day after the
    last day the table holds when days are missing in between (an explicit as-of day after a
    gap), so windows that read the table's earlier days never see a hole. Rows of one day depend
    only on raw rows of that day, so recomputing a day replaces it exactly.
-#}
{% macro daily_fact_range(date_column) %}
    {%- set bounds = as_of_bounds() -%}
    {%- set end_exclusive = (modules.datetime.date.fromisoformat(bounds['end'])
        + modules.datetime.timedelta(days=1)).isoformat() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return({'start': none, 'end': bounds['end'], 'end_exclusive': end_exclusive}) }}
    {%- endif -%}
    {%- set result = run_query("select max(" ~ date_column ~ ") from " ~ this) -%}
    {%- set last_day = result.columns[0].values()[0] -%}
    {%- set start_day = bounds['start'] -%}
    {%- if last_day is not none -%}
        {%- set day_after_last = (modules.datetime.date.fromisoformat((last_day | string)[:10])
            + modules.datetime.timedelta(days=1)).isoformat() -%}
        {%- set start_day = [start_day, day_after_last] | min -%}
    {%- endif -%}
    {{ return({'start': start_day, 'end': bounds['end'], 'end_exclusive': end_exclusive}) }}
{% endmacro %}

