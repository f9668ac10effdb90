{#-
    Health components per account and as-of day (SPEC section 4), before they are combined:
    each metric of `health_components()` as a 0-100 score against the floor and target of the
    account's profile (seed `health_metric_targets`, macro `health_metric_score`), and each
    component as the weighted mean of its metric scores that have data (null when none has).
    A metric is null (no data) when the feature is null: no NPS answer, no ticket with CSAT, no
    touchpoint or QBR ever, no MRR 90 days ago; "never" is not scored as "long ago", because
    accounts without a CSM programme never get a QBR. The profile follows the plan of the day.

    Seasonal use (a school in summer) looks dead in one 30-day window, so quarter metrics are
    derived from D's activity window and the two before it (D-30, D-60 by default), read from
    the features of those days: active days in the quarter (the windows do not overlap, so their
    sum is exact) and the peak 30-day seat utilization and feature breadth. A profile scores the
    30-day or the quarter metrics (weight 0 for the others). Before the first subscription start
    there is no row: no activity. Usage and adoption are no data during an account's first
    `health_min_history_days` (14) days, and active days of an account younger than the window
    are then scaled to it (judged on the days it has had): a new account is not red for being new.
    A view over every day: account_health_daily reads the days it computes.
-#}

{%- set components = health_components() %}
{%- set window_days = var('activity_window_days') %}
{%- set min_history_days = var('health_min_history_days') %}
{%- set metrics = [] %}
{%- set history_metrics = [] %}
{%- for component in components %}
    {%- do metrics.extend(component.metrics | map(attribute='name')) %}
    {%- if component.needs_history %}
        {%- do history_metrics.extend(component.metrics | map(attribute='name')) %}
    {%- endif %}
{%- endfor %}

with

features as (

    select
        *,
        {{ dbt.datediff('first_started_on', 'as_of_date', 'day') }} as days_since_first_start
    from {{ ref('account_features_daily') }}

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

-- the two activity windows before D's: with D's they make a quarter
earlier_windows as (

    select
        account_id,
        as_of_date,
        active_days_30d,
        seat_utilization,
        feature_breadth
    from features

),

-- the scored metrics of each account-day; the MRR trend as a ratio, comparable across sizes
metrics as (

    select
        features.account_id,
        features.as_of_date,
        features.plan,
        features.days_since_first_start,
        -- an account younger than a window is judged on the days it has had (6 in 10 = 18 in 30)
        {{ safe_divide(
            'features.active_days_30d * ' ~ window_days,
            'least(' ~ window_days ~ ', features.days_since_first_start + 1)'
        ) }} as active_days_30d,
        {{ safe_divide(
            '(features.active_days_30d + coalesce(previous_window.active_days_30d, 0)'
                ~ ' + coalesce(window_before.active_days_30d, 0)) * ' ~ 3 * window_days,
            'least(' ~ 3 * window_days ~ ', features.days_since_first_start + 1)'
        ) }} as active_days_90d,
        features.usage_change_ratio,
        features.seat_utilization,
        greatest(features.seat_utilization, previous_window.seat_utilization, window_before.seat_utilization)
            as seat_utilization_peak_90d,
        features.feature_breadth,
        greatest(features.feature_breadth, previous_window.feature_breadth, window_before.feature_breadth)
            as feature_breadth_peak_90d,
        features.days_since_admin_login,
        features.days_since_touchpoint,
        features.days_since_qbr,
        features.tickets_opened_30d,
        features.urgent_or_escalated_tickets_30d,
        features.avg_csat_90d,
        features.nps_180d,
        features.past_due_invoices,
        {{ safe_divide('features.mrr_change_90d', 'features.mrr_90d_ago') }} as mrr_change_ratio_90d
    from features
    left join earlier_windows as previous_window
        on features.account_id = previous_window.account_id
        and previous_window.as_of_date = {{ add_days('features.as_of_date', -window_days) }}
    left join earlier_windows as window_before
        on features.account_id = window_before.account_id
        and window_before.as_of_date = {{ add_days('features.as_of_date', -2 * window_days) }}

),

-- usage and adoption of an account in its first days are no data: too early to judge (its users
-- are still being invited); the other components judge it from its first day
judged_metrics as (

    select
        account_id,
        as_of_date,
        plan,
        {%- for metric in metrics %}
        {%- if metric in history_metrics %}
        case when days_since_first_start >= {{ min_history_days }} then {{ metric }} end as {{ metric }}
        {%- else %}
        {{ metric }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from metrics

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
        judged_metrics.account_id,
        judged_metrics.as_of_date,
        account_profiles.health_profile,
        {%- for component in components %}
        profiles.{{ component.name }}_weight,
        {%- endfor %}
        {%- for metric in metrics %}
        metric_parameters.{{ metric }}_weight,
        {{ health_metric_score(
            'judged_metrics.' ~ metric,
            'metric_parameters.' ~ metric ~ '_floor',
            'metric_parameters.' ~ metric ~ '_target'
        ) }} as {{ metric }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from judged_metrics
    left join account_profiles
        on judged_metrics.account_id = account_profiles.account_id
        and judged_metrics.plan = account_profiles.plan
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
