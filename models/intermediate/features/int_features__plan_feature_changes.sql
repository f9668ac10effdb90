{#-
    Day-by-day changes, over the run's as-of range, of the number of distinct features of the
    account's plan used in the activity window. Each day a feature is used adds the days it
    keeps the feature in the window and that no earlier use already covers (so the pieces of
    one feature never overlap); each piece is cut to the periods whose plan includes the
    feature (plan_features seed). account_features_daily sums the deltas into
    plan_features_used_30d.
-#}
{{ config(materialized='ephemeral') }}

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

-- the feature uses that can still count in a window of the range
feature_days as (

    select
        account_id,
        feature_key,
        activity_date
    from feature_usage
    where activity_date >= {{ add_days(first_day, -(window_days - 1)) }}
        and activity_date <= {{ last_day }}

),

-- each use with the feature's previous use by the account
feature_uses as (

    select
        account_id,
        feature_key,
        activity_date,
        lag(activity_date) over (
            partition by account_id, feature_key
            order by activity_date
        ) as previous_use_date
    from feature_days

),

-- the days each use adds to the feature's presence in the window: from the day used (or the
-- day after the previous use leaves the window) to a window's length after it
feature_intervals as (

    select
        account_id,
        feature_key,
        case
            when previous_use_date >= {{ add_days('activity_date', -window_days) }}
                then {{ add_days('previous_use_date', window_days) }}
            else activity_date
        end as interval_start,
        {{ add_days('activity_date', window_days - 1) }} as interval_end
    from feature_uses

),

-- the days a feature was both in the window and in the account's plan
plan_feature_intervals as (

    select
        feature_intervals.account_id,
        1 as plan_features_used,
        case
            when states.valid_from > feature_intervals.interval_start then states.valid_from
            else feature_intervals.interval_start
        end as interval_start,
        case
            when states.valid_to < feature_intervals.interval_end then states.valid_to
            else feature_intervals.interval_end
        end as interval_end
    from feature_intervals
    inner join states
        on feature_intervals.account_id = states.account_id
        and feature_intervals.interval_end >= states.valid_from
        and (states.valid_to is null or feature_intervals.interval_start <= states.valid_to)
    inner join plan_features
        on states.plan = plan_features.plan
        and feature_intervals.feature_key = plan_features.feature_key

),

-- each interval's value added on its first day and taken off the day after its last
changes as (

    {{ interval_changes('plan_feature_intervals', ['plan_features_used'], first_day, last_day) }}

),

-- the deltas of each account and change day
final as (

    select
        account_id,
        change_date,
        sum(plan_features_used) as plan_features_used_delta
    from changes
    group by account_id, change_date

)

select * from final
