{#-
    An account's revenue state (MRR, plan, seats, next renewal, whether a subscription has
    ended) only changes on a few days: when a subscription starts, the day after one ends, and
    the day after a renewal date passes. This model holds one row per account and such period,
    so the daily table only has to spread the periods over their days.
-#}

with

subscriptions as (

    select * from {{ ref('stg_subscriptions') }}

),

-- days on which the state can change (union removes days shared by several subscriptions)
change_days as (

    select
        account_id,
        started_on as valid_from
    from subscriptions

    union

    select
        account_id,
        {{ add_days('ended_on', 1) }} as valid_from
    from subscriptions
    where ended_on is not null

    union

    select
        account_id,
        {{ add_days('renews_on', 1) }} as valid_from
    from subscriptions
    where renews_on is not null

),

-- each state lasts until the day before the next change; the last one is open-ended
state_periods as (

    select
        account_id,
        valid_from,
        {{ add_days('lead(valid_from) over (partition by account_id order by valid_from)', -1) }} as valid_to
    from change_days

),

-- every subscription started by the first day of the period, and whether it covers the period
period_subscriptions as (

    select
        state_periods.account_id,
        state_periods.valid_from,
        state_periods.valid_to,
        subscriptions.subscription_id,
        subscriptions.plan,
        subscriptions.status,
        subscriptions.mrr,
        subscriptions.seats,
        subscriptions.started_on,
        subscriptions.ended_on,
        subscriptions.renews_on,
        (subscriptions.ended_on is null or subscriptions.ended_on >= state_periods.valid_from) as is_covering
    from state_periods
    inner join subscriptions
        on state_periods.account_id = subscriptions.account_id
        and state_periods.valid_from >= subscriptions.started_on

),

-- the plan shown: the covering non-trial subscription with the highest MRR, else the latest one
plan_ranked as (

    select
        account_id,
        valid_from,
        plan,
        row_number() over (
            partition by account_id, valid_from
            order by
                case when is_covering and status <> 'trialing' then 0 else 1 end,
                case when is_covering and status <> 'trialing' then mrr else 0 end desc,
                started_on desc,
                subscription_id desc
        ) as plan_rank
    from period_subscriptions

),

-- MRR counts the covering subscriptions that are not trials
period_totals as (

    select
        account_id,
        valid_from,
        valid_to,
        sum(case when is_covering and status <> 'trialing' then mrr else 0 end) as mrr,
        sum(case when is_covering then seats end) as licensed_seats,
        min(case when is_covering and renews_on >= valid_from then renews_on end) as renews_on,
        max(case when ended_on < valid_from then 1 else 0 end) as has_ended_subscription_flag,
        max(case when is_covering and status = 'trialing' then 1 else 0 end) as is_trialing_flag,
        max(case when is_covering then 1 else 0 end) as has_running_subscription_flag
    from period_subscriptions
    group by account_id, valid_from, valid_to

),

-- the first start of any subscription, and of a paid one (MRR > 0 from its first day: the
-- account's first day with MRR)
first_starts as (

    select
        account_id,
        min(started_on) as first_started_on,
        min(case when status <> 'trialing' and mrr > 0 then started_on end) as first_paid_on
    from subscriptions
    group by account_id

),

final as (

    select
        period_totals.account_id,
        period_totals.valid_from,
        period_totals.valid_to,
        plan_ranked.plan,
        -- typed here, on one row per period, rather than on every day of the daily table
        cast(period_totals.mrr as decimal(18, 2)) as mrr,
        cast(12 * period_totals.mrr as decimal(18, 2)) as arr,
        cast(period_totals.licensed_seats as bigint) as licensed_seats,
        period_totals.renews_on,
        first_starts.first_started_on,
        first_starts.first_paid_on,
        period_totals.has_ended_subscription_flag = 1 as has_ended_subscription,
        period_totals.is_trialing_flag = 1 as is_trialing,
        period_totals.has_running_subscription_flag = 1 as has_running_subscription
    from period_totals
    inner join plan_ranked
        on period_totals.account_id = plan_ranked.account_id
        and period_totals.valid_from = plan_ranked.valid_from
        and plan_ranked.plan_rank = 1
    inner join first_starts
        on period_totals.account_id = first_starts.account_id

)

select * from final
