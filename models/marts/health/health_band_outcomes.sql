{#-
    The evidence that the health bands predict churn: for every month-end snapshot in
    account_health_daily and every band, the accounts paying that day and how many of them
    churned (MRR went to 0) within the next `health_outcome_window_days` (90) days.

    No look-ahead: the band is the one of the snapshot day (computed from data up to its end),
    only accounts with MRR on that day count, and churn is looked for from the next day on. The
    outcome, its window and whether the window is complete come from int_revenue__churn_outcomes,
    the definition every backtest shares; until a snapshot is complete `churned_within_90d` and
    `churn_rate_90d` are null (not a rate that would still rise).
-#}

with

account_health as (

    select * from {{ ref('account_health_daily') }}

),

churn_outcomes as (

    select * from {{ ref('int_revenue__churn_outcomes') }}

),

health_bands as (

    select * from {{ ref('health_bands') }}

),

-- every account on a month-end day of the health history, with its band that day and its outcome
snapshot_accounts as (

    select
        churn_outcomes.snapshot_date,
        churn_outcomes.account_id,
        churn_outcomes.is_paying,
        churn_outcomes.outcome_window_end,
        churn_outcomes.is_complete,
        churn_outcomes.has_churned,
        account_health.health_band
    from churn_outcomes
    inner join account_health
        on churn_outcomes.snapshot_date = account_health.as_of_date
        and churn_outcomes.account_id = account_health.account_id

),

-- the snapshot days, with their outcome window
snapshots as (

    select distinct
        snapshot_date,
        outcome_window_end,
        is_complete
    from snapshot_accounts

),

-- accounts paying on a snapshot day, per band they had that day
band_outcomes as (

    select
        snapshot_date,
        health_band,
        count(*) as accounts,
        sum(case when has_churned then 1 else 0 end) as churned_accounts
    from snapshot_accounts
    where is_paying
        and health_band is not null
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
        snapshots.outcome_window_end,
        snapshots.is_complete
    from snapshots
    cross join health_bands

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
