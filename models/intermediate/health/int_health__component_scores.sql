{#-
    Health components per account and as-of day (SPEC section 4), before they are combined:
    each metric of `health_components()` as a 0-100 score against the floor and target of the
    account's profile (seed `health_metric_targets`, macro `health_metric_score`), and each
    component as the weighted mean of its metric scores that have data (null when none has).
    A metric is null (no data) when the feature is null: no NPS answer, no ticket with CSAT, no
    touchpoint or QBR ever, no MRR 90 days ago; "never" is not scored as "long ago", because
    accounts without a CSM programme never get a QBR. The profile follows the plan of the day.
    A view over every day: account_health_daily reads the days it computes.
-#}

{%- set components = health_components() %}
{%- set metrics = [] %}
{%- for component in components %}
    {%- do metrics.extend(component.metrics | map(attribute='name')) %}
{%- endfor %}

with

features as (

    select * from {{ ref('account_features_daily') }}

),

account_profiles as (

    select * from {{ ref('int_health__account_profiles') }}

),

profiles as (

    select * from {{ ref('health_profiles') }}

),

metric_targets as (

    select * from {{ ref('health_metric_targets') }}

),

-- the scored metrics of each account-day; the MRR trend as a ratio, comparable across sizes
metrics as (

    select
        account_id,
        as_of_date,
        plan,
        active_days_30d,
        usage_change_ratio,
        seat_utilization,
        feature_breadth,
        days_since_admin_login,
        days_since_touchpoint,
        days_since_qbr,
        tickets_opened_30d,
        urgent_or_escalated_tickets_30d,
        avg_csat_90d,
        nps_180d,
        past_due_invoices,
        {{ safe_divide('mrr_change_90d', 'mrr_90d_ago') }} as mrr_change_ratio_90d
    from features

),

-- one row per profile: each metric's floor, target and weight side by side
metric_parameters as (

    select
        health_profile,
        {%- for metric in metrics %}
        max(case when metric = '{{ metric }}' then floor_value end) as {{ metric }}_floor,
        max(case when metric = '{{ metric }}' then target_value end) as {{ metric }}_target,
        max(case when metric = '{{ metric }}' then metric_weight end) as {{ metric }}_weight{{ ',' if not loop.last }}
        {%- endfor %}
    from metric_targets
    group by health_profile

),

-- every metric as a 0-100 score against the account's profile (left joins: a row without a
-- profile keeps a null profile, which account_health_daily's contract refuses loudly)
metric_scores as (

    select
        metrics.account_id,
        metrics.as_of_date,
        account_profiles.health_profile,
        {%- for component in components %}
        profiles.{{ component.name }}_weight,
        {%- endfor %}
        {%- for metric in metrics %}
        metric_parameters.{{ metric }}_weight,
        {{ health_metric_score(
            'metrics.' ~ metric,
            'metric_parameters.' ~ metric ~ '_floor',
            'metric_parameters.' ~ metric ~ '_target'
        ) }} as {{ metric }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from metrics
    left join account_profiles
        on metrics.account_id = account_profiles.account_id
        and metrics.plan = account_profiles.plan
    left join profiles
        on account_profiles.health_profile = profiles.health_profile
    left join metric_parameters
        on account_profiles.health_profile = metric_parameters.health_profile

),

-- each component: the weighted mean of its metric scores that have data
component_scores as (

    select
        *,
        {%- for component in components %}
        {%- set pairs = [] %}
        {%- for metric in component.metrics %}
            {%- do pairs.append([metric.name ~ '_score', metric.name ~ '_weight']) %}
        {%- endfor %}
        {{ health_weighted_mean(pairs) }} as {{ component.name }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from metric_scores

),

final as (

    select
        account_id,
        as_of_date,
        health_profile,
        {%- for component in components %}
        {{ component.name }}_weight,
        {{ component.name }}_score,
        {%- endfor %}
        {%- for metric in metrics %}
        {{ metric }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from component_scores

)

select * from final
