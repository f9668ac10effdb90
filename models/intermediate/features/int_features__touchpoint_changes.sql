{#-
    The touchpoints (any type: a QBR is a touchpoint too) and QBRs up to the run's last as-of
    day, as dated rows for a running max: one row per account and day of the range with a
    touchpoint, plus one row on the first as-of day carrying the latest ones before the range.
    int_features__state_periods takes the running max of touchpoint_on and qbr_on as the last
    touchpoint and QBR on or before each day.
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}

with

touchpoints as (

    select * from {{ ref('stg_touchpoints') }}

),

-- the days of the touchpoints, up to the run's last as-of day
touchpoint_days as (

    select
        account_id,
        cast(occurred_at as date) as occurred_on,
        touchpoint_type
    from touchpoints
    where cast(occurred_at as date) <= {{ last_day }}

),

-- touchpoints before the range are folded into the first as-of day (their latest date survives the max)
final as (

    select
        account_id,
        case when occurred_on < {{ first_day }} then {{ first_day }} else occurred_on end as change_date,
        max(occurred_on) as touchpoint_on,
        max(case when touchpoint_type = 'qbr' then occurred_on end) as qbr_on
    from touchpoint_days
    group by 1, 2

)

select * from final
