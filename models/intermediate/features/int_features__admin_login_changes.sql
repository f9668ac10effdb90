{#-
    The admin or executive logins (var admin_roles) up to the run's last as-of day, as dated
    rows for a running max: one row per account and day of the range with such a login, plus one
    row on the first as-of day carrying the latest login before the range (so a one-day run needs
    no earlier rows of the mart). account_features_daily takes the running max of admin_login_on
    as the last admin login on or before each day.
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}

with

account_activity as (

    select * from {{ ref('int_features__account_activity_daily') }}

),

-- the days with an admin or executive login, up to the run's last as-of day
admin_login_days as (

    select
        account_id,
        activity_date as login_date
    from account_activity
    where has_admin_login
        and activity_date <= {{ last_day }}

),

-- logins before the range are folded into the first as-of day (their latest date survives the max)
final as (

    select
        account_id,
        case when login_date < {{ first_day }} then {{ first_day }} else login_date end as change_date,
        max(login_date) as admin_login_on
    from admin_login_days
    group by 1, 2

)

select * from final
