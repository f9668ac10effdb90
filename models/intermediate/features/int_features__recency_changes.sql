{#-
    The latest admin or executive login, touchpoint and QBR up to each day of the run's as-of
    range, as changes for a running max: one row per account and day with such an event, plus
    one row on the first as-of day carrying the latest event before the range (so a one-day run
    needs no earlier rows of the mart). A running max of each column gives "the last one on or
    before D".
-#}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}

with

account_activity as (

    select * from {{ ref('int_features__account_activity_daily') }}

),

touchpoints as (

    select * from {{ ref('stg_raw__touchpoints') }}

),

dated_events as (

    select
        account_id,
        activity_date as occurred_on,
        'admin_login' as event_kind
    from account_activity
    where has_admin_login
        and activity_date <= {{ last_day }}

    union all

    select
        account_id,
        cast(occurred_at as date) as occurred_on,
        case when touchpoint_type = 'qbr' then 'qbr' else 'touchpoint' end as event_kind
    from touchpoints
    where cast(occurred_at as date) <= {{ last_day }}

),

-- events before the range are folded into the first as-of day (their latest date survives the max)
final as (

    select
        account_id,
        case when occurred_on < {{ first_day }} then {{ first_day }} else occurred_on end as change_date,
        max(case when event_kind = 'admin_login' then occurred_on end) as last_admin_login_on,
        -- a QBR is a touchpoint too
        max(case when event_kind in ('touchpoint', 'qbr') then occurred_on end) as last_touchpoint_on,
        max(case when event_kind = 'qbr' then occurred_on end) as last_qbr_on
    from dated_events
    group by 1, 2

)

select * from final
