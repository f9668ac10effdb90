-- A metric belongs to one component and is healthy in one direction, whatever the profile; its
-- floor and target lie the way its direction says and its weight is not negative: a typo would
-- otherwise leave a metric silently inverted or counted in two components.
with

metric_targets as (

    select * from {{ ref('health_metric_targets') }}

),

-- metrics that more than one component or direction claims
ambiguous_metrics as (

    select metric
    from metric_targets
    group by metric
    having count(distinct component) > 1
        or count(distinct better) > 1

)

select metric_targets.*
from metric_targets
left join ambiguous_metrics
    on metric_targets.metric = ambiguous_metrics.metric
where ambiguous_metrics.metric is not null
    or (metric_targets.better = 'higher' and not metric_targets.floor_value < metric_targets.target_value)
    or (metric_targets.better = 'lower' and not metric_targets.floor_value > metric_targets.target_value)
    or metric_targets.metric_weight < 0
