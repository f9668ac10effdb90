{#-
    Segment assignments per account and as-of day: the published face of
    int_segments__assignments_daily, which holds them (a view, so the daily history is stored
    once; the contract checks its columns and types).
-#}
{{ config(materialized='view') }}

with

assignments as (

    select * from {{ ref('int_segments__assignments_daily') }}

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
        is_at_risk,
        risk_reasons,
        vertical,
        coverage_model,
        csm_ratio,
        cadence,
        is_coverage_boosted,
        csm_owner
    from assignments

)

select * from final
