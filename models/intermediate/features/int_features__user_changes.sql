{#-
    Day-by-day changes, over the run's as-of range, of an account's user counts: users (created
    and not deactivated), distinct active users in the activity window, and those users that
    logged in within login_gap_days. A running sum of each delta from the first as-of day gives
    the count on every day (account_features_daily sums them into users_total, active_users_30d
    and users_logged_in_10d).

    Distinct users over a window cannot be summed from daily counts. A user is in the window of
    D while one of its active days lies in the window: it enters on an active day that follows
    a gap longer than the window, and leaves a window's length after an active day that a gap
    longer than the window follows. One pass over the user-days (previous and next active day)
    finds those days. Like every gap, "logged in within login_gap_days" means at most that many
    days ago: a login on D - login_gap_days still counts on D.
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}
{#- a login counts on its day and the login_gap_days days after it -#}
{%- set login_window_days = var('login_gap_days') + 1 %}
{%- set lookback_days = [window_days, login_window_days] | max %}

with

user_activity as (

    select * from {{ ref('int_features__user_activity_daily') }}

),

users as (

    select * from {{ ref('stg_users') }}

),

-- a user counts from the day it is created to the day before the day it is deactivated
memberships as (

    select
        account_id,
        user_id,
        cast(created_at as date) as created_on,
        cast(deactivated_at as date) as deactivated_on
    from users

),

-- the user-days the range's windows can see
user_days as (

    select
        user_activity.account_id,
        user_activity.user_id,
        user_activity.activity_date,
        memberships.deactivated_on,
        -- logins count only while the login's user is one of the account's users
        case
            when user_activity.logins > 0
                and memberships.created_on <= user_activity.activity_date
                and (
                    memberships.deactivated_on is null
                    or memberships.deactivated_on > user_activity.activity_date
                )
                then user_activity.activity_date
        end as member_login_date
    from user_activity
    left join memberships
        on user_activity.user_id = memberships.user_id
        and user_activity.account_id = memberships.account_id
    where user_activity.user_id is not null
        and user_activity.activity_date >= {{ add_days(first_day, -lookback_days) }}
        and user_activity.activity_date <= {{ last_day }}

),

-- each user-day with the user's previous and next active days and member logins
neighbours as (

    select
        account_id,
        activity_date,
        deactivated_on,
        member_login_date,
        lag(activity_date) over (
            partition by account_id, user_id order by activity_date
        ) as previous_active_date,
        lead(activity_date) over (
            partition by account_id, user_id order by activity_date
        ) as next_active_date,
        max(member_login_date) over (
            partition by account_id, user_id order by activity_date
            rows between unbounded preceding and 1 preceding
        ) as previous_login_date,
        min(member_login_date) over (
            partition by account_id, user_id order by activity_date
            rows between 1 following and unbounded following
        ) as next_login_date
    from user_days

),

-- +1 / -1 per user on the days it enters or leaves each count
changes as (

    -- enters the activity window after a gap longer than the window
    select
        account_id,
        activity_date as change_date,
        0 as users_delta,
        1 as active_users_delta,
        0 as users_logged_in_delta
    from neighbours
    where previous_active_date is null
        or previous_active_date < {{ add_days('activity_date', -window_days) }}

    union all

    -- leaves it a window's length after its last active day before a gap longer than the window
    select
        account_id,
        {{ add_days('activity_date', window_days) }} as change_date,
        0 as users_delta,
        -1 as active_users_delta,
        0 as users_logged_in_delta
    from neighbours
    where next_active_date is null
        or next_active_date > {{ add_days('activity_date', window_days) }}

    union all

    -- starts counting as logged in on a login that the user's previous login no longer covers
    select
        account_id,
        activity_date as change_date,
        0 as users_delta,
        0 as active_users_delta,
        1 as users_logged_in_delta
    from neighbours
    where member_login_date is not null
        and (
            previous_login_date is null
            or previous_login_date < {{ add_days('activity_date', -login_window_days) }}
        )

    union all

    -- stops counting when the login is too old, or on the day the user is deactivated
    select
        account_id,
        case
            when deactivated_on < {{ add_days('activity_date', login_window_days) }} then deactivated_on
            else {{ add_days('activity_date', login_window_days) }}
        end as change_date,
        0 as users_delta,
        0 as active_users_delta,
        -1 as users_logged_in_delta
    from neighbours
    where member_login_date is not null
        and (
            next_login_date is null
            or next_login_date > {{ add_days('activity_date', login_window_days) }}
        )

    union all

    -- a user counts from the day it is created
    select
        account_id,
        created_on as change_date,
        1 as users_delta,
        0 as active_users_delta,
        0 as users_logged_in_delta
    from memberships

    union all

    -- and stops counting on the day it is deactivated
    select
        account_id,
        deactivated_on as change_date,
        -1 as users_delta,
        0 as active_users_delta,
        0 as users_logged_in_delta
    from memberships
    where deactivated_on is not null
        and deactivated_on >= created_on

),

-- changes before the range count from its first day; those after it are not needed
final as (

    select
        account_id,
        case when change_date < {{ first_day }} then {{ first_day }} else change_date end as change_date,
        sum(users_delta) as users_delta,
        sum(active_users_delta) as active_users_delta,
        sum(users_logged_in_delta) as users_logged_in_delta
    from changes
    where change_date <= {{ last_day }}
    group by 1, 2

)

select * from final
