{#-
    Segment assignments per account and as-of day (SPEC sections 3 and 4): revenue tier (with
    memory, from int_segments__revenue_tiers_daily), lifecycle stage, risk, vertical and the
    coverage model the account is served with. One row per row of account_features_daily in
    the run's as-of range (incremental: a run replaces its days).
-#}
{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **incremental_by_day('as_of_date', ['account_id', 'as_of_date']),
    )
}}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}

with

account_features as (

    select * from {{ ref('account_features_daily') }}

),

account_health as (

    select * from {{ ref('account_health_daily') }}

),

revenue_tiers_daily as (

    select * from {{ ref('int_segments__revenue_tiers_daily') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts') }}

),

revenue_tiers as (

    select * from {{ ref('revenue_tiers') }}

),

coverage_models as (

    select * from {{ ref('coverage_models') }}

),

-- each tier's coverage, and the coverage one level up (the next tier by rank; none at the top)
coverage_levels as (

    select
        revenue_tiers.tier_rank,
        coverage_models.coverage_model,
        coverage_models.csm_ratio,
        coverage_models.cadence,
        lead(coverage_models.coverage_model) over tiers_up as boosted_coverage_model,
        lead(coverage_models.csm_ratio) over tiers_up as boosted_csm_ratio,
        lead(coverage_models.cadence) over tiers_up as boosted_cadence
    from revenue_tiers
    inner join coverage_models
        on revenue_tiers.tier_name = coverage_models.tier_name
    window tiers_up as (order by revenue_tiers.tier_rank)

),

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
        account_features.first_started_on,
        account_features.renews_on,
        revenue_tiers_daily.is_churned,
        account_features.events_30d,
        account_features.events_prev_30d,
        account_features.usage_change_ratio,
        account_features.disengagement_signal_count,
        account_health.health_score,
        account_health.health_band,
        account_health.primary_risk_driver,
        accounts.industry,
        accounts.csm_owner,
        {{ dbt.datediff('account_features.first_started_on', 'account_features.as_of_date', 'day') }} as days_since_first_start,
        {{ dbt.datediff('account_features.as_of_date', 'account_features.renews_on', 'day') }} as days_to_renewal
    from account_features
    inner join accounts
        on account_features.account_id = accounts.account_id
    inner join revenue_tiers_daily
        on account_features.account_id = revenue_tiers_daily.account_id
        and account_features.as_of_date = revenue_tiers_daily.as_of_date
    left join account_health
        on account_features.account_id = account_health.account_id
        and account_features.as_of_date = account_health.as_of_date
    where account_features.as_of_date >= {{ first_day }}
        and account_features.as_of_date <= {{ last_day }}

),

-- lifecycle: churned first (as the tier model defines it); onboarding wins over renewal (SPEC section 4)
lifecycle as (

    select
        *,
        case
            when is_churned then 'churned'
            when days_since_first_start < {{ var('onboarding_days') }} then 'onboarding'
            when days_to_renewal <= {{ var('renewal_window_days') }} then 'renewal'
            else 'adoption'
        end as lifecycle_stage
    from joined

),

-- the at-risk rules, each on its own (SPEC section 3); risk is the risk of churning, so a churned
-- account is not at risk
risk_rules as (

    select
        *,
        lifecycle_stage <> 'churned' as is_live,
        coalesce(health_band in ('{{ var("at_risk_health_bands") | join("', '") }}'), false) as is_risk_health_band,
        disengagement_signal_count >= {{ var('at_risk_min_signals') }} as is_risk_disengagement,
        -- "dropped by 30% or more": the threshold itself is a drop; integer arithmetic, no rounding
        events_prev_30d > 0
            and events_30d * 100 <= events_prev_30d * (100 - {{ var('at_risk_usage_drop_pct') }}) as is_risk_usage_drop
    from lifecycle

),

-- every rule that fired, in a fixed order
risk as (

    select
        *,
        is_live and (is_risk_health_band or is_risk_disengagement or is_risk_usage_drop) as is_at_risk,
        {{ flag_labels([
            ['is_risk_health_band', 'health_band'],
            ['is_risk_disengagement', 'disengagement_signals'],
            ['is_risk_usage_drop', 'usage_drop'],
        ]) }} as fired_risk_rules
    from risk_rules

),

-- at-risk accounts are served one level up; the top tier has no level above and keeps its own
coverage as (

    select
        risk.*,
        risk.is_at_risk and coverage_levels.boosted_coverage_model is not null as is_coverage_boosted,
        coverage_levels.coverage_model as tier_coverage_model,
        coverage_levels.csm_ratio as tier_csm_ratio,
        coverage_levels.cadence as tier_cadence,
        coverage_levels.boosted_coverage_model,
        coverage_levels.boosted_csm_ratio,
        coverage_levels.boosted_cadence
    from risk
    left join coverage_levels
        on risk.tier_rank = coverage_levels.tier_rank

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
        first_started_on,
        renews_on,
        {{ dbt.cast("health_score", "decimal(5, 2)") }} as health_score,
        {{ dbt.cast("health_band", "varchar") }} as health_band,
        {{ dbt.cast("primary_risk_driver", "varchar") }} as primary_risk_driver,
        {{ dbt.cast("disengagement_signal_count", "bigint") }} as disengagement_signal_count,
        {{ dbt.cast("usage_change_ratio", "double precision") }} as usage_change_ratio,
        is_at_risk,
        {{ dbt.cast("case when is_at_risk then fired_risk_rules end", "varchar") }} as risk_reasons,
        {{ dbt.cast("coalesce(industry, 'unknown')", "varchar") }} as vertical,
        {{ dbt.cast("case when is_coverage_boosted then boosted_coverage_model else tier_coverage_model end", "varchar") }} as coverage_model,
        {{ dbt.cast("case when is_coverage_boosted then boosted_csm_ratio else tier_csm_ratio end", "integer") }} as csm_ratio,
        {{ dbt.cast("case when is_coverage_boosted then boosted_cadence else tier_cadence end", "varchar") }} as cadence,
        is_coverage_boosted,
        {{ dbt.cast("csm_owner", "varchar") }} as csm_owner
    from coverage

)

select * from final
