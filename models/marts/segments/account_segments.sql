{#- The segment assignments of each account on the latest as-of day computed. -#}

with

account_segments_daily as (

    select * from {{ ref('account_segments_daily') }}

),

latest_day as (

    select max(as_of_date) as as_of_date
    from account_segments_daily

),

latest as (

    select account_segments_daily.*
    from account_segments_daily
    inner join latest_day
        on account_segments_daily.as_of_date = latest_day.as_of_date

),

final as (

    select
        account_id,
        account_name,
        as_of_date,
        plan,
        mrr,
        arr,
        tier_basis_arr,
        potential_arr,
        is_reference,
        arr_tier,
        tier_rank,
        tier_reason,
        lifecycle_stage,
        first_started_on,
        renews_on,
        health_score,
        health_band,
        primary_risk_driver,
        disengagement_signal_count,
        usage_change_ratio,
        rule_is_at_risk,
        is_at_risk,
        risk_reasons,
        vertical,
        coverage_model,
        csm_ratio,
        cadence,
        is_coverage_boosted,
        csm_owner
    from latest

)

select * from final
