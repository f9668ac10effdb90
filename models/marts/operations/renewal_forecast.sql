{#-
    The renewal forecast on the latest as-of day: one row per account whose `renews_on` falls within
    `renewal_forecast_horizon_days` (180) days, with the ARR up for renewal and what is expected to
    renew. The expected churn rate is the 90-day churn rate of the account's health band pooled
    over the latest `renewal_forecast_snapshots` (12) month-end snapshots of health_band_outcomes
    whose outcome window is complete; an account without a band gets the rate of all bands pooled.
    Null (and so no expected ARR) while no snapshot is complete.
-#}

with

account_segments as (

    select * from {{ ref('account_segments') }}

),

health_band_outcomes as (

    select * from {{ ref('health_band_outcomes') }}

),

-- the complete snapshots, latest first
complete_snapshots as (

    select
        snapshot_date,
        row_number() over (order by snapshot_date desc) as snapshot_order
    from health_band_outcomes
    where is_complete
    group by snapshot_date

),

-- the band outcomes of the snapshots the forecast pools
pooled_outcomes as (

    select health_band_outcomes.*
    from health_band_outcomes
    inner join complete_snapshots
        on health_band_outcomes.snapshot_date = complete_snapshots.snapshot_date
    where complete_snapshots.snapshot_order <= {{ var('renewal_forecast_snapshots') }}

),

-- the churn rate of each band, and of all bands for an account without one
band_churn_rates as (

    select
        health_band,
        {{ safe_divide('sum(churned_within_90d)', 'sum(accounts)') }} as churn_rate
    from pooled_outcomes
    group by health_band

),

overall_churn_rate as (

    select {{ safe_divide('sum(churned_within_90d)', 'sum(accounts)') }} as churn_rate
    from pooled_outcomes

),

-- the accounts renewing within the horizon
renewing as (

    select *
    from account_segments
    where renews_on <= {{ add_days('as_of_date', var('renewal_forecast_horizon_days')) }}

),

forecast as (

    select
        renewing.account_id,
        renewing.account_name,
        renewing.as_of_date,
        renewing.renews_on,
        renewing.arr as renewal_arr,
        renewing.arr_tier,
        renewing.health_band,
        renewing.is_at_risk,
        renewing.csm_owner,
        case
            when renewing.health_band is null then overall_churn_rate.churn_rate
            else band_churn_rates.churn_rate
        end as expected_churn_rate,
        case when renewing.health_band is null then 'all_bands' else 'health_band' end as churn_rate_basis
    from renewing
    cross join overall_churn_rate
    left join band_churn_rates
        on renewing.health_band = band_churn_rates.health_band

),

final as (

    select
        {{ dbt.cast("account_id", "varchar") }} as account_id,
        {{ dbt.cast("account_name", "varchar") }} as account_name,
        cast(as_of_date as date) as as_of_date,
        cast(renews_on as date) as renews_on,
        {{ dbt.cast(dbt.datediff('as_of_date', 'renews_on', 'day'), 'integer') }} as days_to_renewal,
        {{ dbt.cast("renewal_arr", "decimal(18, 2)") }} as renewal_arr,
        {{ dbt.cast("arr_tier", "varchar") }} as arr_tier,
        {{ dbt.cast("health_band", "varchar") }} as health_band,
        is_at_risk,
        {{ dbt.cast("expected_churn_rate", "double precision") }} as expected_churn_rate,
        {{ dbt.cast("churn_rate_basis", "varchar") }} as churn_rate_basis,
        {{ dbt.cast("renewal_arr * (1 - expected_churn_rate)", "decimal(18, 2)") }} as expected_renewal_arr,
        {{ dbt.cast("csm_owner", "varchar") }} as csm_owner
    from forecast

)

select * from final
