{#-
    Product activity per account and day, from the user-day table: events, active users and
    whether an admin or executive (var admin_roles) logged in. The dense input of the rolling
    activity windows and of admin-login recency. Incremental by day.
-#}
{{
    config(
        materialized='incremental',
        **incremental_by_day('activity_date'),
    )
}}

{%- set days = daily_fact_range() %}

with

user_activity as (

    select * from {{ ref('int_features__user_activity_daily') }}

),

users as (

    select * from {{ ref('stg_users') }}

),

user_activity_in_range as (

    select *
    from user_activity
    where activity_date < cast('{{ days["end_exclusive"] }}' as date)
    {%- if days['start'] %}
        and activity_date >= cast('{{ days["start"] }}' as date)
    {%- endif %}

),

final as (

    select
        user_activity_in_range.account_id,
        user_activity_in_range.activity_date,
        sum(user_activity_in_range.events) as events,
        count(user_activity_in_range.user_id) as active_users,
        max(
            case
                when user_activity_in_range.logins > 0
                    and users.role in ({{ "'" ~ var('admin_roles') | join("', '") ~ "'" }})
                    then 1
                else 0
            end
        ) = 1 as has_admin_login
    from user_activity_in_range
    left join users
        on user_activity_in_range.user_id = users.user_id
    group by user_activity_in_range.account_id, user_activity_in_range.activity_date

)

select * from final
