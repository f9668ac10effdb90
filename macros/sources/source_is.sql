{#- Whether the var `<domain>_source` names `source`: a staging model of a source no domain reads
    is disabled, so its missing tables never fail a build. -#}
{% macro source_is(domain, source) -%}
    {{- return((var(domain ~ '_source') | string | trim | lower) == source) -}}
{%- endmacro %}
