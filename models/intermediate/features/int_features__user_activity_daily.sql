{#-
    Product activity per user and day: the one grouped scan of the big usage_events table that
    the user-level windows (active users, logins) start from. Events without a user are kept
    with a null user_id (they count as account events, not as a user). Incremental by day: a run
    reads only the events of the days it recomputes (see daily_fact_range).
-#}
{{
    config(
        materialized='incremental',
        **incremental_by_day('activity_date'),
    )
}}

{%- set days = daily_fact_range() %}

with

usage_events as (

    select * from {{ ref('stg_usage_events') }}

),

-- only the events of the days this run computes (bounds as constants, so the scan can skip the rest)
events_in_range as (

    select
        account_id,
        user_id,
        cast(occurred_at as date) as activity_date,
        event_name,
        quantity
    from usage_events
    where occurred_at < cast('{{ days["end_exclusive"] }}' as timestamp)
    {%- if days['start'] %}
        and occurred_at >= cast('{{ days["start"] }}' as timestamp)
    {%- endif %}

),

final as (

    select
        account_id,
        user_id,
        activity_date,
        sum(quantity) as events,
        sum(case when event_name = 'login' then 1 else 0 end) as logins
    from events_in_range
    group by account_id, user_id, activity_date

)

select * from final
