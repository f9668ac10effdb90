-- Seed health_metric_targets may only name the metrics of health_components(), in their
-- component and direction, with floor and target the right way round and no negative weight:
-- a typo would otherwise leave a metric silently unscored or inverted.
{%- set catalogue = [] %}
{%- for component in health_components() %}
    {%- for metric in component.metrics %}
        {%- do catalogue.append({'component': component.name, 'metric': metric.name, 'better': metric.better}) %}
    {%- endfor %}
{%- endfor %}

with

targets as (

    select * from {{ ref('health_metric_targets') }}

),

catalogue as (
    {%- for row in catalogue %}

    select
        '{{ row.component }}' as component,
        '{{ row.metric }}' as metric,
        '{{ row.better }}' as better
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select
    targets.*,
    catalogue.component as expected_component,
    catalogue.better as expected_better
from targets
left join catalogue
    on targets.metric = catalogue.metric
where catalogue.metric is null
    or targets.component <> catalogue.component
    or targets.better <> catalogue.better
    or (targets.better = 'higher' and not targets.floor_value < targets.target_value)
    or (targets.better = 'lower' and not targets.floor_value > targets.target_value)
    or targets.metric_weight < 0
