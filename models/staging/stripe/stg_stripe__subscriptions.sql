{{ config(enabled=source_is('billing', 'stripe')) }}

{#-
    Stripe subscriptions as the contract's subscription periods. A period is a run of one
    subscription's versions (subscription_history, history mode) in which it serves with the same
    trial state, plan, MRR and seats: a trial turning paid or a new quantity (a mid-month upgrade)
    starts the next period, as the contract records a change. Versions that do not serve
    (incomplete, paused, canceled) start none. The mapping, column by column, is in the YAML.
-#}

with

-- customers still in Stripe, with the account their key names (var stripe_account_key)
customers as (

    select
        id as customer_id,
        {{ account_key('stripe_account_key') }} as account_id
    from {{ source('stripe', 'customer') }}
    where not coalesce(is_deleted, false)

),

-- every version of a live-mode subscription, from the moment it became current
versions as (

    select
        id as stripe_subscription_id,
        customer_id,
        lower(status) as stripe_status,
        _fivetran_start as version_started_at,
        start_date,
        current_period_end,
        ended_at,
        quantity,
        {{ json_text('metadata', var('stripe_renewal_date_key')) }} as renewal_date_text,
        _fivetran_synced as synced_at
    from {{ source('stripe', 'subscription_history') }}
    where coalesce(livemode, true)

),

items as (

    select
        subscription_id,
        plan_id as price_id,
        quantity
    from {{ source('stripe', 'subscription_item') }}

),

-- each price's amount in cents and how many of its billing periods fit in a year
prices as (

    select
        id as price_id,
        product_id,
        upper(trim(currency)) as currency,
        cast(coalesce(unit_amount_decimal, unit_amount) as {{ dbt.type_numeric() }}) as unit_amount_cents,
        case recurring_interval
            when 'year' then 1
            when 'month' then 12
            when 'week' then 52
            when 'day' then 365
        end as periods_per_year,
        coalesce(recurring_interval_count, 1) as interval_count
    from {{ source('stripe', 'price') }}

),

-- the plan is the product's name; a product sold per unit (unit_label set) counts seats
products as (

    select
        id as product_id,
        lower(trim(name)) as plan,
        unit_label is not null as is_sold_per_unit
    from {{ source('stripe', 'product') }}

),

-- each version's items: a single-item subscription's quantity is kept on the version itself
version_items as (

    select
        versions.stripe_subscription_id,
        versions.version_started_at,
        products.plan,
        products.is_sold_per_unit,
        prices.currency,
        prices.periods_per_year,
        coalesce(versions.quantity, items.quantity, 1) as units,
        -- Stripe rounds a line to the cent; a period's amount over a month
        round(prices.unit_amount_cents * coalesce(versions.quantity, items.quantity, 1), 0)
        * prices.periods_per_year / prices.interval_count / 12 as monthly_cents
    from versions
    inner join items on versions.stripe_subscription_id = items.subscription_id
    inner join prices on items.price_id = prices.price_id
    inner join products on prices.product_id = products.product_id

),

-- the item with the largest amount gives a version its plan
ranked_items as (

    select
        *,
        row_number() over (
            partition by stripe_subscription_id, version_started_at order by monthly_cents desc, plan asc
        ) as item_rank
    from version_items

),

-- per version: MRR of every item, seats of the items sold per unit, whether one is billed yearly
version_totals as (

    select
        stripe_subscription_id,
        version_started_at,
        max(case when item_rank = 1 then plan end) as plan,
        max(currency) as currency,
        round(sum(monthly_cents) / 100, 2) as mrr,
        sum(case when is_sold_per_unit then units end) as seats,
        max(case when periods_per_year = 1 then 1 else 0 end) = 1 as is_billed_yearly
    from ranked_items
    group by stripe_subscription_id, version_started_at

),

-- the versions in which the subscription serves, with what a period is made of
serving_versions as (

    select
        versions.stripe_subscription_id,
        versions.customer_id,
        versions.stripe_status,
        versions.version_started_at,
        versions.start_date,
        versions.current_period_end,
        versions.renewal_date_text,
        versions.synced_at,
        version_totals.plan,
        version_totals.currency,
        version_totals.mrr,
        version_totals.seats,
        version_totals.is_billed_yearly,
        versions.stripe_status = 'trialing' as is_trial
    from versions
    inner join version_totals
        on versions.stripe_subscription_id = version_totals.stripe_subscription_id
        and versions.version_started_at = version_totals.version_started_at
    where versions.stripe_status in ('trialing', 'active', 'past_due', 'unpaid')

),

-- a version differing from the serving version before it in trial state, plan, MRR or seats starts a period
period_starts as (

    select
        *,
        case
            when lag(version_started_at) over subscription_versions is null then 1
            when lag(is_trial) over subscription_versions <> is_trial then 1
            when lag(plan) over subscription_versions <> plan then 1
            when lag(mrr) over subscription_versions <> mrr then 1
            when coalesce(lag(seats) over subscription_versions, -1) <> coalesce(seats, -1) then 1
            else 0
        end as starts_period
    from serving_versions
    window subscription_versions as (partition by stripe_subscription_id order by version_started_at)

),

-- each version numbered by the period it belongs to
numbered_versions as (

    select
        *,
        sum(starts_period) over (
            partition by stripe_subscription_id order by version_started_at
            rows between unbounded preceding and current row
        ) as period_number
    from period_starts

),

-- one row per period: when it started, its last version and the start of the next period
periods as (

    select
        stripe_subscription_id,
        period_number,
        min(version_started_at) as period_started_at,
        max(version_started_at) as last_version_started_at,
        max(synced_at) as synced_at
    from numbered_versions
    group by stripe_subscription_id, period_number

),

-- when each subscription's service ended, if it did
subscription_ends as (

    select
        stripe_subscription_id,
        max(ended_at) as ended_at
    from versions
    group by stripe_subscription_id

),

-- a period with its last version (latest status, renewal) and the day its service stops
period_rows as (

    select
        periods.stripe_subscription_id,
        periods.period_number,
        periods.period_started_at,
        periods.synced_at,
        periods.last_version_started_at,
        last_versions.customer_id,
        last_versions.stripe_status,
        last_versions.start_date,
        last_versions.current_period_end,
        cast(last_versions.renewal_date_text as date) as renewal_date,
        last_versions.plan,
        last_versions.currency,
        last_versions.mrr,
        last_versions.seats,
        last_versions.is_billed_yearly,
        last_versions.is_trial,
        -- the service stops when the next period starts, else when the subscription ended
        coalesce(
            lead(periods.period_started_at) over (
                partition by periods.stripe_subscription_id order by periods.period_number
            ),
            subscription_ends.ended_at
        ) as service_stopped_at
    from periods
    inner join numbered_versions as last_versions
        on periods.stripe_subscription_id = last_versions.stripe_subscription_id
        and periods.last_version_started_at = last_versions.version_started_at
    inner join subscription_ends
        on periods.stripe_subscription_id = subscription_ends.stripe_subscription_id

),

final as (

    select
        -- ids: the first period keeps the Stripe id (the one invoices name), later ones add their number
        cast(case
            when period_rows.period_number = 1 then period_rows.stripe_subscription_id
            else {{ dbt.concat([
                "period_rows.stripe_subscription_id", "'/'",
                dbt.safe_cast("period_rows.period_number", dbt.type_string()),
            ]) }}
        end as {{ dbt.type_string() }}) as subscription_id,
        cast(customers.account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        period_rows.plan,
        case
            when period_rows.is_trial then 'trialing'
            when period_rows.service_stopped_at is not null then 'cancelled'
            when period_rows.stripe_status in ('past_due', 'unpaid') then 'past_due'
            else 'active'
        end as status,
        period_rows.currency,

        -- numbers
        cast(period_rows.mrr as {{ dbt.type_numeric() }}) as mrr,
        cast(period_rows.seats as {{ dbt.type_int() }}) as seats,

        -- dates: the last day of service is the day before the service stopped
        case
            when period_rows.period_number = 1 then cast(period_rows.start_date as date)
            else cast(period_rows.period_started_at as date)
        end as started_on,
        {{ add_days('cast(period_rows.service_stopped_at as date)', -1) }} as ended_on,
        -- a trial has no renewal; a yearly price renews at the end of its billing period
        case
            when period_rows.is_trial then null
            when period_rows.renewal_date is not null then period_rows.renewal_date
            when period_rows.is_billed_yearly then cast(period_rows.current_period_end as date)
        end as renews_on,

        -- timestamps
        cast(
            coalesce(period_rows.synced_at, period_rows.last_version_started_at) as {{ dbt.type_timestamp() }}
        ) as updated_at
    from period_rows
    inner join customers on period_rows.customer_id = customers.customer_id

)

select * from final
