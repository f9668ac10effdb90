{#-
    The as-of days a run computes, as ISO strings {'start', 'end'}: the vars `as_of_start` and
    `as_of_end` (a range), or `as_of_date` (one day; it wins when both are set). The range is decided once per run, outside
    dbt (orchestration/as_of.py: `make run`, the schedule and the sensor pass it), and every model
    of the invocation reads the same vars; no macro looks at the warehouse to choose it. From a
    shell: `dbt build --vars '{as_of_start: 2026-10-01, as_of_end: 2026-10-30}'`, or
    `dbt build --vars "$(python -m orchestration.as_of)"` for the range a refresh would compute.
-#}
{% macro as_of_bounds() %}
    {%- set one_day = var('as_of_date', none) -%}
    {%- set start_day = var('as_of_start', none) -%}
    {%- set end_day = var('as_of_end', none) -%}
    {#- one day wins over a range, so a unit test's as_of_date override beats the invocation's range -#}
    {%- if one_day -%}
        {%- set start_day = one_day -%}
        {%- set end_day = one_day -%}
    {%- endif -%}
    {%- if not (start_day and end_day) -%}
        {%- if not execute -%}
            {#- parsing: any well-formed day will do -#}
            {{ return({'start': '1970-01-01', 'end': '1970-01-01'}) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "no as-of range: pass --vars '{as_of_start: YYYY-MM-DD, as_of_end: YYYY-MM-DD}' "
            ~ "(or as_of_date for one day); `python -m orchestration.as_of` prints the range a refresh would compute"
        ) }}
    {%- endif -%}
    {%- set bounds = {'start': cs_iso_day(start_day, 'as_of_start'), 'end': cs_iso_day(end_day, 'as_of_end')} -%}
    {%- if bounds['start'] > bounds['end'] -%}
        {{ exceptions.raise_compiler_error("as_of_start " ~ bounds['start'] ~ " is after as_of_end " ~ bounds['end']) }}
    {%- endif -%}
    {{ return(bounds) }}
{% endmacro %}


{#- A var's value as an ISO day (YAML may hand a date object or a string), or a clear error. -#}
{% macro cs_iso_day(value, name) %}
    {%- set text = (value | string)[:10] -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a day as YYYY-MM-DD, not '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat(text).isoformat()) }}
{% endmacro %}


{#- SQL date literals of the range, for models: `where as_of_date between {{ as_of_start() }} and {{ as_of_end() }}` -#}
{% macro as_of_start() %}cast('{{ as_of_bounds()["start"] }}' as date){% endmacro %}

{% macro as_of_end() %}cast('{{ as_of_bounds()["end"] }}' as date){% endmacro %}
