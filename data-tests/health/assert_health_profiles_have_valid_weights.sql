-- Component weights are relative: none may be negative and a profile needs some weight, or its
-- health score could never be computed.
{%- set components = health_components() | map(attribute='name') | list %}

select *
from {{ ref('health_profiles') }}
where {% for component in components %}{{ component }}_weight < 0 or {% endfor %}
    ({% for component in components %}{{ component }}_weight{{ ' + ' if not loop.last }}{% endfor %}) <= 0
