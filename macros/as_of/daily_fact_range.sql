{#-
    The days a daily fact table (one row per day of raw activity, e.g. events per user and day)
    recomputes in this run, as ISO strings {'start', 'end', 'end_exclusive'} (`end_exclusive` is
    the day after `end`: timestamps of the range are before its start). `start` is none on a
    first build or --full-refresh: the whole history up to the run's as-of end.

    On an incremental run it is the run's as-of range. Rows of one day depend only on raw rows of
    that day, so recomputing a day replaces it exactly; the range a refresh computes never leaves a
    hole after the days the table holds (orchestration/as_of.py starts it at the latest on the day
    after the last day built).
-#}
{% macro daily_fact_range() %}
    {%- set bounds = as_of_bounds() -%}
    {%- set end_exclusive = (modules.datetime.date.fromisoformat(bounds['end'])
        + modules.datetime.timedelta(days=1)).isoformat() -%}
    {%- set start_day = bounds['start'] if is_incremental() else none -%}
    {{ return({'start': start_day, 'end': bounds['end'], 'end_exclusive': end_exclusive}) }}
{% endmacro %}
