{#-
    The expansion-ready rule for every account and day of account_features_daily: a paying account
    in an expansion band (var `expansion_health_bands`, green by default) and not at risk is ready
    to expand when at least one sign holds - its seats are nearly all used, its usage is growing,
    or its potential ARR is a multiple of what it pays. `expansion_reasons` names the signs that
    hold, in a fixed order. A day's answer depends on that day's features, health, risk and
    attributes only, so the view serves any as-of day that has been computed.
-#}

with

account_features as (

    select * from {{ ref('account_features_daily') }}

),

account_health as (

    select * from {{ ref('account_health_daily') }}

),

risk_daily as (

    select * from {{ ref('int_segments__risk_daily') }}

),

attribute_periods as (

    select * from {{ ref('int_accounts__attribute_periods') }}

),

-- each day's features beside the band, the risk and the potential ARR of that day
daily_inputs as (

    select
        account_features.account_id,
        account_features.as_of_date,
        account_features.is_paying,
        account_features.arr,
        account_features.seat_utilization,
        account_features.usage_change_ratio,
        account_health.health_band,
        risk_daily.is_at_risk,
        attribute_periods.potential_arr
    from account_features
    inner join risk_daily
        on account_features.account_id = risk_daily.account_id
        and account_features.as_of_date = risk_daily.as_of_date
    left join account_health
        on account_features.account_id = account_health.account_id
        and account_features.as_of_date = account_health.as_of_date
    left join attribute_periods
        on account_features.account_id = attribute_periods.account_id
        and (
            attribute_periods.valid_from is null
            or account_features.as_of_date >= attribute_periods.valid_from
        )
        and (
            attribute_periods.valid_to is null
            or account_features.as_of_date <= attribute_periods.valid_to
        )

),

-- the gate (paying, in an expansion band, not at risk) and each sign on its own; the thresholds
-- themselves count ("at least"), and a sign without data does not hold
signs as (

    select
        account_id,
        as_of_date,
        coalesce(
            is_paying
            and not is_at_risk
            and health_band in ({{ "'" ~ var('expansion_health_bands') | join("', '") ~ "'" }}),
            false
        ) as is_eligible,
        coalesce(
            seat_utilization >= {{ var('expansion_min_seat_utilization_pct') }} / 100.0, false
        ) as has_high_seat_utilization,
        coalesce(
            usage_change_ratio >= {{ var('expansion_min_usage_growth_pct') }} / 100.0, false
        ) as has_usage_growth,
        coalesce(
            arr > 0 and potential_arr >= {{ var('expansion_min_potential_arr_multiple') }} * arr, false
        ) as has_potential_headroom
    from daily_inputs

),

-- ready when eligible with at least one sign; the signs that hold, in a fixed order
readiness as (

    select
        *,
        is_eligible
        and (has_high_seat_utilization or has_usage_growth or has_potential_headroom) as is_expansion_ready,
        {{ flag_labels([
            ['has_high_seat_utilization', 'seat_utilization'],
            ['has_usage_growth', 'usage_growth'],
            ['has_potential_headroom', 'potential_arr'],
        ]) }} as signs_held
    from signs

),

final as (

    select
        account_id,
        as_of_date,
        is_eligible,
        has_high_seat_utilization,
        has_usage_growth,
        has_potential_headroom,
        is_expansion_ready,
        case when is_expansion_ready then signs_held end as expansion_reasons
    from readiness

)

select * from final
