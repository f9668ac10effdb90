{#-
    on-run-end hook: log, for each daily (incremental) model a successful run built, the as-of
    range it computed, so the next run without vars continues from the day after it (see
    as_of_bounds). A run with any error logs nothing: it is simply computed again.
-#}
{% macro record_as_of_run(results) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set built = results | selectattr('node.resource_type', 'equalto', 'model')
        | selectattr('node.config.materialized', 'equalto', 'incremental') | list -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
    {%- if built | length == 0 or failed | length > 0 -%}{{ return('') }}{%- endif -%}
    {%- set bounds = as_of_bounds() -%}
    {#- Spark targets have no database: target.get gives none there -#}
    {%- set log_database = target.get('database') -%}
    {%- do adapter.create_schema(api.Relation.create(database=log_database, schema='ops')) -%}
    {%- set log_relation = api.Relation.create(database=log_database, schema='ops', identifier='as_of_model_runs', type='table') -%}
    {%- if adapter.get_relation(database=log_database, schema='ops', identifier='as_of_model_runs') is none -%}
        {%- do run_query("create table " ~ log_relation ~ " (model_name " ~ dbt.type_string() ~ ", as_of_start date, as_of_end date, invocation_id " ~ dbt.type_string() ~ ")") -%}
    {%- endif -%}
    {#- auto_begin: a transaction dbt knows is open on every adapter, so the commit below works -#}
    {%- call statement('record_as_of_run', auto_begin=true) -%}
        insert into {{ log_relation }} values
        {%- for result in built %}
            ('{{ result.node.name }}', cast('{{ bounds['start'] }}' as date), cast('{{ bounds['end'] }}' as date), '{{ invocation_id }}'){{ ',' if not loop.last }}
        {%- endfor %}
    {%- endcall -%}
    {#- hooks run in a transaction that dbt rolls back at the end: keep the log -#}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}
