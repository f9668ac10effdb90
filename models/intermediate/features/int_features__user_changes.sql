{#-
    Day-by-day changes, over the run's as-of range, of an account's user counts: users (created
    and not deactivated), distinct active users in the activity window, and those users that
    logged in within login_gap_days. A running sum of each column from the first as-of day gives
    the count on every day (see interval_changes); distinct users over a window come from each
    user's merged stretches of presence (see window_islands), never from summing daily counts.
    Like every gap, "logged in within login_gap_days" means at most that many days ago: a login
    on D - login_gap_days still counts on D.
-#}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}
{%- set login_gap_days = var('login_gap_days') %}

with

user_activity as (

    select * from {{ ref('int_features__user_activity_daily') }}

),

users as (

    select * from {{ ref('stg_raw__users') }}

),

-- a user counts from the day created to the day before the day deactivated
memberships as (

    select
        account_id,
        user_id,
        cast(created_at as date) as interval_start,
        {{ add_days('cast(deactivated_at as date)', -1) }} as interval_end
    from users

),

active_user_days as (

    select
        account_id,
        user_id,
        activity_date
    from user_activity
    where user_id is not null
        and activity_date >= {{ add_days(first_day, -(window_days - 1)) }}
        and activity_date <= {{ last_day }}

),

active_user_intervals as (

    {{ window_islands('active_user_days', ['account_id', 'user_id'], 'activity_date', window_days) }}

),

login_days as (

    select
        account_id,
        user_id,
        activity_date
    from user_activity
    where user_id is not null
        and logins > 0
        and activity_date >= {{ add_days(first_day, -login_gap_days) }}
        and activity_date <= {{ last_day }}

),

login_intervals as (

    {{ window_islands('login_days', ['account_id', 'user_id'], 'activity_date', login_gap_days + 1) }}

),

-- logged-in users are counted among the account's users only while they are users
member_login_intervals as (

    select
        login_intervals.account_id,
        case
            when memberships.interval_start > login_intervals.interval_start then memberships.interval_start
            else login_intervals.interval_start
        end as interval_start,
        case
            when memberships.interval_end < login_intervals.interval_end then memberships.interval_end
            else login_intervals.interval_end
        end as interval_end
    from login_intervals
    inner join memberships
        on login_intervals.user_id = memberships.user_id
        and login_intervals.account_id = memberships.account_id

),

intervals as (

    select account_id, interval_start, interval_end,
        1 as users_total, 0 as active_users_30d, 0 as users_logged_in_10d
    from memberships

    union all

    select account_id, interval_start, interval_end,
        0 as users_total, 1 as active_users_30d, 0 as users_logged_in_10d
    from active_user_intervals

    union all

    select account_id, interval_start, interval_end,
        0 as users_total, 0 as active_users_30d, 1 as users_logged_in_10d
    from member_login_intervals

),

changes as (

    {{ interval_changes('intervals', ['users_total', 'active_users_30d', 'users_logged_in_10d'], first_day, last_day) }}

),

final as (

    select
        account_id,
        change_date,
        sum(users_total) as users_total,
        sum(active_users_30d) as active_users_30d,
        sum(users_logged_in_10d) as users_logged_in_10d
    from changes
    group by account_id, change_date

)

select * from final
