{#-
    Rolling activity windows per account and as-of day: active days and events in the
    activity window (var activity_window_days, the window ending on D) and events in the same
    number of days before it. Frame windows over the gap-free account-day calendar of
    int_revenue__mrr_daily, reading only the lookback the windows need.
-#}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}

with

calendar as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

account_activity as (

    select * from {{ ref('int_features__account_activity_daily') }}

),

-- the as-of days and the two windows before the first of them
calendar_with_lookback as (

    select
        account_id,
        as_of_date
    from calendar
    where as_of_date >= {{ add_days(first_day, -(2 * window_days - 1)) }}
        and as_of_date <= {{ last_day }}

),

daily as (

    select
        calendar_with_lookback.account_id,
        calendar_with_lookback.as_of_date,
        case when account_activity.account_id is null then 0 else 1 end as is_active_day,
        coalesce(account_activity.events, 0) as events
    from calendar_with_lookback
    left join account_activity
        on calendar_with_lookback.account_id = account_activity.account_id
        and calendar_with_lookback.as_of_date = account_activity.activity_date

),

-- one row per day and no gaps, so N rows back is N days back
windowed as (

    select
        account_id,
        as_of_date,
        sum(is_active_day) over (
            partition by account_id order by as_of_date
            rows between {{ window_days - 1 }} preceding and current row
        ) as active_days_30d,
        sum(events) over (
            partition by account_id order by as_of_date
            rows between {{ window_days - 1 }} preceding and current row
        ) as events_30d,
        coalesce(sum(events) over (
            partition by account_id order by as_of_date
            rows between {{ 2 * window_days - 1 }} preceding and {{ window_days }} preceding
        ), 0) as events_prev_30d
    from daily

),

final as (

    select *
    from windowed
    where as_of_date >= {{ first_day }}

)

select * from final
