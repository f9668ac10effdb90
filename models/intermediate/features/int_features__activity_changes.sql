{#-
    Day-by-day changes, over the run's as-of range, of an account's activity windows: active
    days and events in the activity window (activity_window_days, the days ending on D) and
    events in the same number of days just before it. A day's activity counts in the window for
    the window's length from that day, then in the window before for as long again; a running
    sum of the changes gives each day's values (see interval_changes).
-#}

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

intervals as (

    select
        account_id,
        activity_date as interval_start,
        {{ add_days('activity_date', window_days - 1) }} as interval_end,
        1 as active_days_30d,
        events as events_30d,
        0 as events_prev_30d
    from activity_days

    union all

    select
        account_id,
        {{ add_days('activity_date', window_days) }} as interval_start,
        {{ add_days('activity_date', 2 * window_days - 1) }} as interval_end,
        0 as active_days_30d,
        0 as events_30d,
        events as events_prev_30d
    from activity_days

),

changes as (

    {{ interval_changes('intervals', ['active_days_30d', 'events_30d', 'events_prev_30d'], first_day, last_day) }}

),

final as (

    select
        account_id,
        change_date,
        sum(active_days_30d) as active_days_30d,
        sum(events_30d) as events_30d,
        sum(events_prev_30d) as events_prev_30d
    from changes
    group by account_id, change_date

)

select * from final
