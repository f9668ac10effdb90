{#-
    The at-risk rules of every account and day of account_features_daily: each rule on its own,
    whether the account is at risk, and the rules that fired. Risk is the risk of churning, so
    only a live account (not churned, not a lapsed trial) can be at risk. A day's rules depend on
    that day's features and health only, so the view serves any as-of day that has been computed.
-#}

with

account_features as (

    select * from {{ ref('account_features_daily') }}

),

account_health as (

    select * from {{ ref('account_health_daily') }}

),

lifecycle_stages as (

    select * from {{ ref('int_revenue__lifecycle_stages_daily') }}

),

-- each rule on its own; a day without a health score fires no band rule
rules as (

    select
        account_features.account_id,
        account_features.as_of_date,
        lifecycle_stages.is_live,
        coalesce(
            account_health.health_band in ({{ "'" ~ var('at_risk_health_bands') | join("', '") ~ "'" }}),
            false
        ) as is_risk_health_band,
        account_features.disengagement_signal_count >= {{ var('at_risk_min_signals') }}
            as is_risk_disengagement,
        -- "dropped by 30% or more": the threshold itself is a drop; integer arithmetic, no rounding
        (
            account_features.events_prev_30d > 0
            and account_features.events_30d * 100
            <= account_features.events_prev_30d * (100 - {{ var('at_risk_usage_drop_pct') }})
        ) as is_risk_usage_drop
    from account_features
    inner join lifecycle_stages
        on account_features.account_id = lifecycle_stages.account_id
        and account_features.as_of_date = lifecycle_stages.as_of_date
    left join account_health
        on account_features.account_id = account_health.account_id
        and account_features.as_of_date = account_health.as_of_date

),

-- at risk when a rule fires on a live account; every rule that fired, in a fixed order
fired as (

    select
        *,
        is_live and (is_risk_health_band or is_risk_disengagement or is_risk_usage_drop) as is_at_risk,
        {{ flag_labels([
            ['is_risk_health_band', 'health_band'],
            ['is_risk_disengagement', 'disengagement_signals'],
            ['is_risk_usage_drop', 'usage_drop'],
        ]) }} as fired_rules
    from rules

),

final as (

    select
        account_id,
        as_of_date,
        is_risk_health_band,
        is_risk_disengagement,
        is_risk_usage_drop,
        is_at_risk,
        case when is_at_risk then fired_rules end as risk_reasons
    from fired

)

select * from final
