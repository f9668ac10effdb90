{#-
    The as-of days a run computes, resolved once per model at execution time and returned as
    ISO strings, so models filter on constants (which every engine can push down).

    Precedence:
      1. var `as_of_date` (one day), or vars `as_of_start` + `as_of_end` (a range);
      2. otherwise the range ends at the latest complete day of the raw data (the day before the
         day of the latest usage event: that day may still be loading; never the wall clock) and
         starts on the day after the last day an earlier run completed (read from the
         `ops.as_of_runs` log that the `record_as_of_run` hook writes at the end of a run), or at
         the first subscription start when no run has completed or on --full-refresh (a first
         build computes the whole history), and never later than its end (re-running the
         latest day recomputes it).
    The log is written only at the end of a run, so every model of one run sees the same range.
-#}
{% macro as_of_bounds() %}
    {%- set explicit_day = var('as_of_date', none) -%}
    {%- set explicit_start = var('as_of_start', none) -%}
    {%- set explicit_end = var('as_of_end', none) -%}
    {%- if explicit_day -%}
        {{ return({'start': explicit_day | string, 'end': explicit_day | string}) }}
    {%- endif -%}
    {%- if explicit_start and explicit_end -%}
        {%- if (explicit_start | string) > (explicit_end | string) -%}
            {{ exceptions.raise_compiler_error("as_of_start " ~ explicit_start ~ " is after as_of_end " ~ explicit_end) }}
        {%- endif -%}
        {{ return({'start': explicit_start | string, 'end': explicit_end | string}) }}
    {%- endif -%}
    {%- if explicit_start or explicit_end -%}
        {{ exceptions.raise_compiler_error("set both as_of_start and as_of_end, or as_of_date alone") }}
    {%- endif -%}
    {%- if not execute -%}
        {#- parsing: any well-formed day will do -#}
        {{ return({'start': '1970-01-01', 'end': '1970-01-01'}) }}
    {%- endif -%}

    {%- set data_bounds = run_query(
        "select cast(max(occurred_at) as date) as latest_event_day, "
        ~ "(select min(started_on) from " ~ source('raw', 'subscriptions') ~ ") as history_start "
        ~ "from " ~ source('raw', 'usage_events')
    ) -%}
    {%- set latest_event_day = data_bounds.columns[0].values()[0] -%}
    {%- set history_start = data_bounds.columns[1].values()[0] -%}
    {%- if latest_event_day is none or history_start is none -%}
        {{ exceptions.raise_compiler_error("raw.usage_events or raw.subscriptions is empty: there is no as-of day to compute; load data first or set var as_of_date") }}
    {%- endif -%}
    {%- set end_day = modules.datetime.date.fromisoformat((latest_event_day | string)[:10]) - modules.datetime.timedelta(days=1) -%}
    {%- set start_day = modules.datetime.date.fromisoformat((history_start | string)[:10]) -%}

    {%- set last_completed = cs_last_completed_as_of() -%}
    {%- if last_completed is not none and not flags.FULL_REFRESH -%}
        {%- set start_day = [last_completed + modules.datetime.timedelta(days=1), end_day] | min -%}
    {%- endif -%}
    {%- set start_day = [start_day, end_day] | min -%}
    {{ return({'start': start_day.isoformat(), 'end': end_day.isoformat()}) }}
{% endmacro %}


{#- The last as-of day an earlier run completed, or none (no log yet). -#}
{% macro cs_last_completed_as_of() %}
    {%- set log_relation = adapter.get_relation(database=target.get('database'), schema='ops', identifier='as_of_runs') -%}
    {%- if log_relation is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query("select max(as_of_end) from " ~ log_relation) -%}
    {%- set value = result.columns[0].values()[0] -%}
    {{ return(none if value is none else modules.datetime.date.fromisoformat((value | string)[:10])) }}
{% endmacro %}


{#- SQL date literals of the range, for models: `where as_of_date between {{ as_of_start() }} and {{ as_of_end() }}` -#}
{% macro as_of_start() %}cast('{{ as_of_bounds()["start"] }}' as date){% endmacro %}

{% macro as_of_end() %}cast('{{ as_of_bounds()["end"] }}' as date){% endmacro %}
