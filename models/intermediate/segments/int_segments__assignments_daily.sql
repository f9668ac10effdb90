{#-
    The segment assignments of each account and as-of day, assembled from one intermediate model
    per concern (revenue tier, lifecycle stage, risk with memory, coverage served) and the account's
    features, health and attributes of the day (industry and CSM owner as they were on the day,
    from int_accounts__attribute_periods; the name as it is now), with the names and types
    account_segments_daily publishes. One row per row of account_features_daily in the run's as-of
    range (incremental: a run replaces its days).
-#}
{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **incremental_by_day('as_of_date', ['account_id', 'as_of_date']),
    )
}}

with

account_features as (

    select * from {{ ref('account_features_daily') }}

),

account_health as (

    select * from {{ ref('account_health_daily') }}

),

accounts as (

    select * from {{ ref('stg_accounts') }}

),

attribute_periods as (

    select * from {{ ref('int_accounts__attribute_periods') }}

),

revenue_tiers_daily as (

    select * from {{ ref('int_revenue__tiers_daily') }}

),

lifecycle_stages as (

    select * from {{ ref('int_revenue__lifecycle_stages_daily') }}

),

risk_daily as (

    select * from {{ ref('int_segments__risk_daily') }}

),

coverage_served as (

    select * from {{ ref('int_segments__coverage_served') }}

),

-- the days of the run's range, each concern's values and the attributes of the day beside them;
-- coverage by the tier served, the risk of the day (with memory) and whether the account is live
joined as (

    select
        account_features.account_id,
        accounts.account_name,
        account_features.as_of_date,
        account_features.plan,
        account_features.mrr,
        account_features.arr,
        revenue_tiers_daily.basis_arr,
        revenue_tiers_daily.potential_arr,
        revenue_tiers_daily.is_reference,
        revenue_tiers_daily.arr_tier,
        revenue_tiers_daily.tier_rank,
        revenue_tiers_daily.tier_reason,
        lifecycle_stages.lifecycle_stage,
        lifecycle_stages.is_live,
        account_features.first_started_on,
        account_features.renews_on,
        account_health.health_score,
        account_health.health_band,
        account_health.primary_risk_driver,
        account_features.disengagement_signal_count,
        account_features.usage_change_ratio,
        risk_daily.rule_is_at_risk,
        risk_daily.is_at_risk,
        risk_daily.risk_reasons,
        attribute_periods.industry,
        coverage_served.coverage_model,
        coverage_served.csm_ratio,
        coverage_served.cadence,
        coverage_served.is_coverage_boosted,
        attribute_periods.csm_owner
    from account_features
    inner join accounts
        on account_features.account_id = accounts.account_id
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
    inner join revenue_tiers_daily
        on account_features.account_id = revenue_tiers_daily.account_id
        and account_features.as_of_date = revenue_tiers_daily.as_of_date
    inner join lifecycle_stages
        on account_features.account_id = lifecycle_stages.account_id
        and account_features.as_of_date = lifecycle_stages.as_of_date
    inner join risk_daily
        on account_features.account_id = risk_daily.account_id
        and account_features.as_of_date = risk_daily.as_of_date
    left join account_health
        on account_features.account_id = account_health.account_id
        and account_features.as_of_date = account_health.as_of_date
    left join coverage_served
        on revenue_tiers_daily.tier_rank = coverage_served.tier_rank
        and risk_daily.is_at_risk = coverage_served.is_at_risk
        and lifecycle_stages.is_live = coverage_served.is_live
    where account_features.as_of_date between {{ as_of_start() }} and {{ as_of_end() }}

),

final as (

    select
        {{ dbt.cast("account_id", "varchar") }} as account_id,
        {{ dbt.cast("account_name", "varchar") }} as account_name,
        cast(as_of_date as date) as as_of_date,
        {{ dbt.cast("plan", "varchar") }} as plan,
        {{ dbt.cast("mrr", "decimal(18, 2)") }} as mrr,
        {{ dbt.cast("arr", "decimal(18, 2)") }} as arr,
        {{ dbt.cast("basis_arr", "decimal(18, 2)") }} as tier_basis_arr,
        {{ dbt.cast("potential_arr", "decimal(18, 2)") }} as potential_arr,
        is_reference,
        {{ dbt.cast("arr_tier", "varchar") }} as arr_tier,
        {{ dbt.cast("tier_rank", "integer") }} as tier_rank,
        {{ dbt.cast("tier_reason", "varchar") }} as tier_reason,
        {{ dbt.cast("lifecycle_stage", "varchar") }} as lifecycle_stage,
        is_live,
        first_started_on,
        renews_on,
        {{ dbt.cast("health_score", "decimal(5, 2)") }} as health_score,
        {{ dbt.cast("health_band", "varchar") }} as health_band,
        {{ dbt.cast("primary_risk_driver", "varchar") }} as primary_risk_driver,
        {{ dbt.cast("disengagement_signal_count", "bigint") }} as disengagement_signal_count,
        {{ dbt.cast("usage_change_ratio", "double precision") }} as usage_change_ratio,
        rule_is_at_risk,
        is_at_risk,
        {{ dbt.cast("risk_reasons", "varchar") }} as risk_reasons,
        -- the vertical is the industry; an account without one is in `unknown`
        {{ dbt.cast("coalesce(industry, 'unknown')", "varchar") }} as vertical,
        {{ dbt.cast("coverage_model", "varchar") }} as coverage_model,
        {{ dbt.cast("csm_ratio", "integer") }} as csm_ratio,
        {{ dbt.cast("cadence", "varchar") }} as cadence,
        is_coverage_boosted,
        {{ dbt.cast("csm_owner", "varchar") }} as csm_owner
    from joined

)

select * from final
