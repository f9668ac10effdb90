{#-
    Day-by-day changes, over the run's as-of range, of an account's activity windows: active
    days and events in the activity window (activity_window_days, the days ending on D) and
    events in the same number of days just before it. A day's activity counts in the window for
    the window's length from that day, then in the window before for as long again. A running
    sum of the deltas from the first as-of day gives each day's values (account_features_daily
    sums them into active_days_30d, events_30d and events_prev_30d).
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}

with

account_activity as (

    select * from {{ ref('int_features__account_activity_daily') }}

),

-- the days whose activity can still count in a window of the range
activity_days as (

    select
        account_id,
        activity_date,
        events
    from account_activity
    where activity_date >= {{ add_days(first_day, -(2 * window_days - 1)) }}
        and activity_date <= {{ last_day }}

),

-- the days each active day counts in the activity window, then in the window before it
intervals as (

    select
        account_id,
        activity_date as interval_start,
        {{ add_days('activity_date', window_days - 1) }} as interval_end,
        1 as active_days,
        events,
        0 as events_prev
    from activity_days

    union all

    select
        account_id,
        {{ add_days('activity_date', window_days) }} as interval_start,
        {{ add_days('activity_date', 2 * window_days - 1) }} as interval_end,
        0 as active_days,
        0 as events,
        events as events_prev
    from activity_days

),

-- each interval's values added on its first day and taken off the day after its last
changes as (

    {{ interval_changes('intervals', ['active_days', 'events', 'events_prev'], first_day, last_day) }}

),

-- the deltas of each account and change day
final as (

    select
        account_id,
        change_date,
        sum(active_days) as active_days_delta,
        sum(events) as events_delta,
        sum(events_prev) as events_prev_delta
    from changes
    group by account_id, change_date

)

select * from final
