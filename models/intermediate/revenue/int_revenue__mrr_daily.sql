{#-
    One row per account and calendar day from its first subscription start, with the revenue
    state of that day (MRR of the covering, non-trial subscriptions). Incremental by
    day: a run recomputes the days of its as-of range (see daily_fact_range), earlier days stay.
-#}
{{
    config(
        materialized='incremental',
        **incremental_by_day('as_of_date', ['account_id', 'as_of_date']),
    )
}}

{%- set days = daily_fact_range() %}
{#- a first build spreads the states from where the revenue history starts (var history_start) -#}
{%- set first_day = days['start']
    or (cs_iso_day(var('history_start'), 'history_start') if var('history_start') else as_of_bounds()['start']) %}

with

states as (

    select * from {{ ref('int_revenue__subscription_states') }}

),

-- the calendar days this run computes
days as (

    {{ day_spine(first_day, days['end']) }}

),

-- spread each state over the days it holds (a range join: no state overlaps another)
account_days as (

    select
        states.account_id,
        days.as_of_date,
        states.plan,
        states.mrr,
        states.arr,
        states.licensed_seats,
        states.renews_on,
        states.first_started_on,
        states.first_paid_on,
        states.has_ended_subscription,
        states.is_trialing,
        states.has_running_subscription
    from states
    inner join days
        on days.as_of_date >= states.valid_from
        -- the open end as the last day, so the join has two plain inequalities (a range join)
        and days.as_of_date <= coalesce(states.valid_to, cast('{{ days["end"] }}' as date))

),

final as (

    select
        account_id,
        as_of_date,
        plan,
        mrr,
        arr,
        licensed_seats,
        renews_on,
        first_started_on,
        first_paid_on,
        has_ended_subscription,
        is_trialing,
        has_running_subscription,
        mrr > 0 as is_paying
    from account_days

)

select * from final
