{#-
    The coverage an account is served with, per revenue tier, at-risk state and whether the
    account is live: the tier's own coverage model (seed coverage_models), or, at risk, the
    coverage of the tier above. The top tier has no level above: an at-risk account there keeps
    its own coverage. An account that is not live (churned, lapsed trial) is served `none`: no
    CSM ratio, no cadence. A lookup of tiers x 4 rows, which the daily assembly joins on the tier
    served, the risk of the day and the lifecycle stage's liveness.
-#}

with

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

-- the two values of a state (at risk or not, live or not)
flags as (

    select true as flag

    union all

    select false as flag

),

-- at-risk live accounts are served one level up, when there is a level above
boosts as (

    select
        coverage_levels.*,
        risk_states.flag as is_at_risk,
        live_states.flag as is_live,
        live_states.flag and risk_states.flag and coverage_levels.boosted_coverage_model is not null
            as is_coverage_boosted
    from coverage_levels
    cross join flags as risk_states
    cross join flags as live_states

),

final as (

    select
        tier_rank,
        is_at_risk,
        is_live,
        is_coverage_boosted,
        case
            when not is_live then 'none'
            when is_coverage_boosted then boosted_coverage_model
            else coverage_model
        end as coverage_model,
        case
            when is_live and is_coverage_boosted then boosted_csm_ratio
            when is_live then csm_ratio
        end as csm_ratio,
        case
            when is_live and is_coverage_boosted then boosted_cadence
            when is_live then cadence
        end as cadence
    from boosts

)

select * from final
