{#-
    Day-by-day changes, over the run's as-of range, of the number of distinct features of the
    account's plan used in the activity window: each feature's stretches of use (window_islands)
    intersected with the periods the account's plan includes that feature (plan_features seed).
-#}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}

with

feature_usage as (

    select * from {{ ref('int_features__feature_usage_daily') }}

),

states as (

    select * from {{ ref('int_revenue__subscription_states') }}

),

plan_features as (

    select * from {{ ref('plan_features') }}

),

feature_days as (

    select
        account_id,
        feature_key,
        activity_date
    from feature_usage
    where activity_date >= {{ add_days(first_day, -(window_days - 1)) }}
        and activity_date <= {{ last_day }}

),

feature_intervals as (

    {{ window_islands('feature_days', ['account_id', 'feature_key'], 'activity_date', window_days) }}

),

-- the days a feature was both in the window and in the account's plan
plan_feature_intervals as (

    select
        feature_intervals.account_id,
        case
            when states.valid_from > feature_intervals.interval_start then states.valid_from
            else feature_intervals.interval_start
        end as interval_start,
        case
            when states.valid_to < feature_intervals.interval_end then states.valid_to
            else feature_intervals.interval_end
        end as interval_end,
        1 as plan_features_used_30d
    from feature_intervals
    inner join states
        on feature_intervals.account_id = states.account_id
        and states.valid_from <= feature_intervals.interval_end
        and (states.valid_to is null or states.valid_to >= feature_intervals.interval_start)
    inner join plan_features
        on states.plan = plan_features.plan
        and feature_intervals.feature_key = plan_features.feature_key

),

changes as (

    {{ interval_changes('plan_feature_intervals', ['plan_features_used_30d'], first_day, last_day) }}

),

final as (

    select
        account_id,
        change_date,
        sum(plan_features_used_30d) as plan_features_used_30d
    from changes
    group by account_id, change_date

)

select * from final
