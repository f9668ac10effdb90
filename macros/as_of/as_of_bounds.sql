{#-
    The as-of days a run computes, resolved once per model at execution time and returned as
    ISO strings, so models filter on constants (which every engine can push down).

    Precedence:
      1. var `as_of_date` (one day), or vars `as_of_start` + `as_of_end` (a range);
      2. otherwise the range ends at the latest complete day of the raw data (the day before the
         day of the latest usage event: that day may still be loading; never the wall clock) and
         starts on the day after the last day that every daily model of this run had completed
         in earlier runs (read from the `ops.as_of_model_runs` log that the `record_as_of_run`
         hook writes at the end of a run), or at the first subscription start when one of them
         has never completed or on --full-refresh (a first build computes the whole history),
         and never later than its end (re-running the latest day recomputes it). Per model, so a
         run of a few models (`--select +account_features_daily`) leaves no days behind for the
         others: a later run of all of them starts where the one furthest behind stopped.
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


{#-
    The last as-of day that every daily model of this run (the incremental models selected; all
    of the project's when none is) has completed in earlier runs, or none when one of them has
    never completed (no log row yet).
-#}
{% macro cs_last_completed_as_of() %}
    {%- set log_relation = adapter.get_relation(database=target.get('database'), schema='ops', identifier='as_of_model_runs') -%}
    {%- if log_relation is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set daily_models = cs_daily_models() -%}
    {%- set result = run_query(
        "select model_name, max(as_of_end) from " ~ log_relation
        ~ " where model_name in ('" ~ daily_models | join("', '") ~ "') group by model_name"
    ) -%}
    {%- if result.rows | length < daily_models | length -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set last_days = [] -%}
    {%- for value in result.columns[1].values() -%}
        {%- do last_days.append(modules.datetime.date.fromisoformat((value | string)[:10])) -%}
    {%- endfor -%}
    {{ return(last_days | min) }}
{% endmacro %}


{#- Names of the daily (incremental) models this invocation selected, or of all of them when it selected none. -#}
{% macro cs_daily_models() %}
    {%- set daily_models = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('config.materialized', 'equalto', 'incremental') | list -%}
    {%- set selected = daily_models | selectattr('unique_id', 'in', selected_resources) | list -%}
    {{ return((selected or daily_models) | map(attribute='name') | sort) }}
{% endmacro %}


{#- SQL date literals of the range, for models: `where as_of_date between {{ as_of_start() }} and {{ as_of_end() }}` -#}
{% macro as_of_start() %}cast('{{ as_of_bounds()["start"] }}' as date){% endmacro %}

{% macro as_of_end() %}cast('{{ as_of_bounds()["end"] }}' as date){% endmacro %}
