{#-
    The daily segment assignments of int_segments__assignments_daily unpivoted: one row per
    account, as-of day and segment type (arr_tier, lifecycle_stage, health_band, vertical, risk)
    with the value the account held, and why where a type says (the tier reason; for risk, by
    rule, by memory or not live). The one definition of a segment value that memberships,
    transitions and segment analytics share.
-#}

with

assignments as (

    select * from {{ ref('int_segments__assignments_daily') }}

),

health_bands as (

    select * from {{ ref('health_bands') }}

),

final as (

    select
        account_id,
        as_of_date,
        'arr_tier' as segment_type,
        arr_tier as segment_value,
        {{ dbt.cast("tier_rank", "double precision") }} as segment_rank,
        tier_reason as segment_reason
    from assignments

    union all

    select
        account_id,
        as_of_date,
        'lifecycle_stage' as segment_type,
        lifecycle_stage as segment_value,
        {{ dbt.cast("null", "double precision") }} as segment_rank,
        {{ dbt.cast("null", "varchar") }} as segment_reason
    from assignments

    union all

    -- an account that is not live is not scored: `none`; a live one without a score: `unknown`
    select
        assignments.account_id,
        assignments.as_of_date,
        'health_band' as segment_type,
        case
            when not assignments.is_live then 'none'
            else coalesce(assignments.health_band, 'unknown')
        end as segment_value,
        {{ dbt.cast("health_bands.band_rank", "double precision") }} as segment_rank,
        {{ dbt.cast("null", "varchar") }} as segment_reason
    from assignments
    left join health_bands
        on assignments.health_band = health_bands.health_band

    union all

    select
        account_id,
        as_of_date,
        'vertical' as segment_type,
        vertical as segment_value,
        {{ dbt.cast("null", "double precision") }} as segment_rank,
        {{ dbt.cast("null", "varchar") }} as segment_reason
    from assignments

    union all

    -- why: the rule holds on D (`rule`), or held within the exit days (`memory`); not at risk
    -- because the account is not live (`not_live`)
    select
        account_id,
        as_of_date,
        'risk' as segment_type,
        case when is_at_risk then 'at_risk' else 'not_at_risk' end as segment_value,
        {{ dbt.cast("null", "double precision") }} as segment_rank,
        {{ dbt.cast(
            "case when rule_is_at_risk then 'rule' when is_at_risk then 'memory' when not is_live then 'not_live' end",
            "varchar"
        ) }} as segment_reason
    from assignments

)

select * from final
