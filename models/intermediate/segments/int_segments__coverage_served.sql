{#-
    The coverage an account is served with, per revenue tier and at-risk state: the tier's own
    coverage model (seed coverage_models), or, at risk, the coverage of the tier above. The top
    tier has no level above: an at-risk account there keeps its own coverage. A lookup of
    tiers x 2 rows, which the daily assembly joins on the tier served and the risk of the day.
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

risk_states as (

    select true as is_at_risk

    union all

    select false as is_at_risk

),

-- at-risk accounts are served one level up, when there is a level above
boosts as (

    select
        coverage_levels.*,
        risk_states.is_at_risk,
        risk_states.is_at_risk and coverage_levels.boosted_coverage_model is not null as is_coverage_boosted
    from coverage_levels
    cross join risk_states

),

final as (

    select
        tier_rank,
        is_at_risk,
        is_coverage_boosted,
        case when is_coverage_boosted then boosted_coverage_model else coverage_model end as coverage_model,
        case when is_coverage_boosted then boosted_csm_ratio else csm_ratio end as csm_ratio,
        case when is_coverage_boosted then boosted_cadence else cadence end as cadence
    from boosts

)

select * from final
