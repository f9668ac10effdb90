{#-
    Health components per account and as-of day, before they are combined: each metric value as
    a 0-100 score against the floor and target of the account's profile (seed
    `health_metric_targets`, macro `health_metric_score`), and each component as the weighted mean
    of its metric scores that have data (null when none has), with the weight the profile gives
    the component (seed `health_profiles`). One row per component the profile lists metrics for.
    A view over every day: account_health_daily reads the days it computes.
-#}

with

metric_values as (

    select * from {{ ref('int_health__metric_values') }}

),

metric_targets as (

    select * from {{ ref('health_metric_targets') }}

),

profiles as (

    select * from {{ ref('health_profiles') }}

),

-- every metric as a 0-100 score against the floor and target of the account's profile
metric_scores as (

    select
        metric_values.account_id,
        metric_values.as_of_date,
        metric_values.health_profile,
        metric_values.component,
        metric_targets.metric_weight,
        {{ health_metric_score(
            'metric_values.metric_value',
            'metric_targets.floor_value',
            'metric_targets.target_value'
        ) }} as metric_score
    from metric_values
    left join metric_targets
        on metric_values.health_profile = metric_targets.health_profile
        and metric_values.metric = metric_targets.metric

),

-- each component: the weighted mean of its metric scores that have data, the others left out and
-- their weight with them; the weighted scores are summed as exact decimals, so the order in which
-- an engine adds the rows cannot change a rounded score
component_means as (

    select
        account_id,
        as_of_date,
        health_profile,
        component,
        (
            sum(cast(metric_score * metric_weight as decimal(38, 20)))
            / nullif(sum(case when metric_score is not null then metric_weight else 0 end), 0)
        ) as component_score
    from metric_scores
    group by
        account_id,
        as_of_date,
        health_profile,
        component

),

-- the component's weight in the profile (seed health_profiles has a column per component)
final as (

    select
        component_means.account_id,
        component_means.as_of_date,
        component_means.health_profile,
        component_means.component,
        component_means.component_score,
        case component_means.component
            when 'usage' then profiles.usage_weight
            when 'adoption' then profiles.adoption_weight
            when 'engagement' then profiles.engagement_weight
            when 'support' then profiles.support_weight
            when 'sentiment' then profiles.sentiment_weight
            when 'financial' then profiles.financial_weight
        end as component_weight
    from component_means
    left join profiles
        on component_means.health_profile = profiles.health_profile

)

select * from final
