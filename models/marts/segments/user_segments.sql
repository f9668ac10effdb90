{#-
    User segments on the latest as-of day D of account_segments_daily: one row per user of the
    account at D (created by D and not deactivated by D), with role, last login, inactivity and
    the critical features (var critical_features) used in the activity window.
-#}

{%- set critical_features = var('critical_features') %}
{%- if critical_features | length == 0 %}
    {{ exceptions.raise_compiler_error("var critical_features must list at least one feature key") }}
{%- endif %}
{%- set window_days = var('activity_window_days') %}
{#- flag_labels' [condition, label] pairs: one has_used_<n> flag per critical feature, in the var's order #}
{%- set critical_flags = [] %}
{%- for feature in critical_features %}
{%- do critical_flags.append(['critical_use.has_used_' ~ loop.index, feature]) %}
{%- endfor %}

with

account_segments_daily as (

    select * from {{ ref('account_segments_daily') }}

),

users as (

    select * from {{ ref('stg_users') }}

),

user_activity as (

    select * from {{ ref('int_features__user_activity_daily') }}

),

usage_events as (

    select * from {{ ref('stg_usage_events') }}

),

latest_day as (

    select max(as_of_date) as as_of_date
    from account_segments_daily

),

-- the users of each account at D (a user deactivated on D no longer counts, as in users_total)
users_at_day as (

    select
        users.user_id,
        users.account_id,
        users.role,
        latest_day.as_of_date
    from users
    cross join latest_day
    where cast(users.created_at as date) <= latest_day.as_of_date
        and (users.deactivated_at is null or cast(users.deactivated_at as date) > latest_day.as_of_date)

),

last_logins as (

    select
        user_activity.user_id,
        max(user_activity.activity_date) as last_login_date
    from user_activity
    cross join latest_day
    where user_activity.user_id is not null
        and user_activity.logins > 0
        and user_activity.activity_date <= latest_day.as_of_date
    group by user_activity.user_id

),

-- which critical features each user used in the activity window ending on D (one flag per
-- feature of the var), and how many
critical_use as (

    select
        usage_events.user_id,
        {%- for feature in critical_features %}
        max(case when usage_events.event_name = '{{ feature }}' then 1 else 0 end) = 1
            as has_used_{{ loop.index }},
        {%- endfor %}
        count(distinct usage_events.event_name) as critical_features_used_count
    from usage_events
    cross join latest_day
    where usage_events.user_id is not null
        and usage_events.event_name in ({{ "'" ~ critical_features | join("', '") ~ "'" }})
        and usage_events.occurred_at >= cast(
            {{ add_days('latest_day.as_of_date', -(window_days - 1)) }} as {{ dbt.type_timestamp() }}
        )
        and usage_events.occurred_at < cast(
            {{ add_days('latest_day.as_of_date', 1) }} as {{ dbt.type_timestamp() }}
        )
    group by usage_events.user_id

),

joined as (

    select
        users_at_day.user_id,
        users_at_day.account_id,
        users_at_day.as_of_date,
        users_at_day.role,
        last_logins.last_login_date,
        {{ dbt.datediff('last_logins.last_login_date', 'users_at_day.as_of_date', 'day') }}
            as days_since_last_login,
        {{ flag_labels(critical_flags) }} as critical_features_used,
        coalesce(critical_use.critical_features_used_count, 0) as critical_features_used_count
    from users_at_day
    left join last_logins
        on users_at_day.user_id = last_logins.user_id
    left join critical_use
        on users_at_day.user_id = critical_use.user_id

),

final as (

    select
        {{ dbt.cast("user_id", "varchar") }} as user_id,
        {{ dbt.cast("account_id", "varchar") }} as account_id,
        cast(as_of_date as date) as as_of_date,
        {{ dbt.cast("role", "varchar") }} as role,
        cast(last_login_date as date) as last_login_date,
        {{ dbt.cast("days_since_last_login", "bigint") }} as days_since_last_login,
        -- like every gap: a login exactly inactive_user_days before D is still recent
        coalesce(days_since_last_login > {{ var('inactive_user_days') }}, true) as is_inactive,
        {{ dbt.cast("critical_features_used", "varchar") }} as critical_features_used,
        {{ dbt.cast("critical_features_used_count", "integer") }} as critical_features_used_count
    from joined

)

select * from final
