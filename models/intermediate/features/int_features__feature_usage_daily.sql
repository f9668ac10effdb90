{#-
    Feature use per account, feature key and day (every event name but `login` is a feature
    key): the input of feature breadth. Incremental by day like int_features__user_activity_daily.
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

-- feature events of the days this run computes
feature_events as (

    select
        account_id,
        event_name as feature_key,
        cast(occurred_at as date) as activity_date,
        quantity
    from usage_events
    where event_name <> 'login'
        and occurred_at < cast('{{ days["end_exclusive"] }}' as timestamp)
    {%- if days['start'] %}
        and occurred_at >= cast('{{ days["start"] }}' as timestamp)
    {%- endif %}

),

final as (

    select
        account_id,
        feature_key,
        activity_date,
        sum(quantity) as events
    from feature_events
    group by account_id, feature_key, activity_date

)

select * from final
