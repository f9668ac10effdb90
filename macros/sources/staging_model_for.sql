{#- The staging model a domain's chosen source maps an entity in: `stg_raw__<entity>` for the
    contract, `stg_<connector>__<entity>` for a connector (var `<domain>_source`). -#}
{% macro staging_model_for(domain, entity) -%}
    {%- set source = var(domain ~ '_source') | string | trim | lower -%}
    {{- return('stg_' ~ ('raw' if source == 'contract' else source) ~ '__' ~ entity) -}}
{%- endmacro %}
