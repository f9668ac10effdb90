{#-
    The evidence that the health bands predict churn: for every month-end snapshot in
    account_health_daily and every band, the accounts paying that day and how many of them
    churned (MRR went to 0) within the next `health_outcome_window_days` (90) days.

    No look-ahead: the band is the one of the snapshot day (computed from data up to its end),
    only accounts with MRR on that day count, and churn is looked for from the next day on.
    A snapshot is complete when its whole outcome window lies within the revenue history; until
    then `churned_within_90d` and `churn_rate_90d` are null (not a rate that would still rise).
-#}

{%- set window_days = var('health_outcome_window_days') %}

with

account_health as (

    select * from {{ ref('account_health_daily') }}

),

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

health_bands as (

    select * from {{ ref('health_bands') }}

),

-- the month-end days the health history holds
snapshots as (

    select distinct as_of_date as snapshot_date
    from account_health
    where as_of_date = {{ dbt.last_day('as_of_date', 'month') }}

),

-- the last day the revenue history covers: outcome windows ending later are not complete yet
history_end as (

    select max(as_of_date) as last_observed_date
    from mrr_daily

),

-- accounts paying on a snapshot day, with the band they had that day
snapshot_accounts as (

    select
        snapshots.snapshot_date,
        account_health.account_id,
        account_health.health_band
    from snapshots
    inner join account_health
        on snapshots.snapshot_date = account_health.as_of_date
    inner join mrr_daily
        on account_health.account_id = mrr_daily.account_id
        and account_health.as_of_date = mrr_daily.as_of_date
    where mrr_daily.is_paying
        and account_health.health_band is not null

),

-- days on which an account's MRR went to 0 (it had MRR the day before)
mrr_previous_day as (

    select
        account_id,
        as_of_date,
        mrr,
        lag(mrr) over (partition by account_id order by as_of_date) as previous_mrr
    from mrr_daily

),

churn_days as (

    select
        account_id,
        as_of_date as churned_on
    from mrr_previous_day
    where mrr = 0
        and previous_mrr > 0

),

-- did the account churn in the days after the snapshot, up to the end of the window?
account_outcomes as (

    select
        snapshot_accounts.snapshot_date,
        snapshot_accounts.account_id,
        snapshot_accounts.health_band,
        case when count(churn_days.churned_on) > 0 then 1 else 0 end as has_churned
    from snapshot_accounts
    left join churn_days
        on snapshot_accounts.account_id = churn_days.account_id
        and snapshot_accounts.snapshot_date < churn_days.churned_on
        and churn_days.churned_on <= {{ add_days('snapshot_accounts.snapshot_date', window_days) }}
    group by
        snapshot_accounts.snapshot_date,
        snapshot_accounts.account_id,
        snapshot_accounts.health_band

),

band_outcomes as (

    select
        snapshot_date,
        health_band,
        count(*) as accounts,
        sum(has_churned) as churned_accounts
    from account_outcomes
    group by
        snapshot_date,
        health_band

),

-- every snapshot and band (a band without accounts shows 0), with the window's completeness
snapshot_bands as (

    select
        snapshots.snapshot_date,
        health_bands.health_band,
        health_bands.band_rank,
        {{ add_days('snapshots.snapshot_date', window_days) }} as outcome_window_end,
        {{ add_days('snapshots.snapshot_date', window_days) }} <= history_end.last_observed_date
            as is_complete
    from snapshots
    cross join health_bands
    cross join history_end

),

-- the contract's types (dbt.cast spells varchar and double precision the Spark way there)
final as (

    select
        cast(snapshot_bands.snapshot_date as date) as snapshot_date,
        {{ dbt.cast('snapshot_bands.health_band', 'varchar') }} as health_band,
        cast(snapshot_bands.band_rank as integer) as band_rank,
        cast(coalesce(band_outcomes.accounts, 0) as bigint) as accounts,
        cast(
            case when snapshot_bands.is_complete then coalesce(band_outcomes.churned_accounts, 0) end
            as bigint
        ) as churned_within_90d,
        {{ dbt.cast(
            'case when snapshot_bands.is_complete then '
                ~ safe_divide('coalesce(band_outcomes.churned_accounts, 0)', 'band_outcomes.accounts') ~ ' end',
            'double precision'
        ) }} as churn_rate_90d,
        cast(snapshot_bands.outcome_window_end as date) as outcome_window_end,
        snapshot_bands.is_complete
    from snapshot_bands
    left join band_outcomes
        on snapshot_bands.snapshot_date = band_outcomes.snapshot_date
        and snapshot_bands.health_band = band_outcomes.health_band

)

select * from final
