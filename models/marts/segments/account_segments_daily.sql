{#-
    Segment assignments per account and as-of day: the days of the run's as-of range of
    int_segments__assignments_daily, which assembles them, with the contract's columns
    (incremental: a run replaces its days). A table, not a view: the PostgreSQL publish copies
    public tables with COPY and takes their NOT NULL constraints from the catalog, neither of
    which a view has.
-#}
{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **incremental_by_day('as_of_date', ['account_id', 'as_of_date']),
    )
}}

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
        rule_is_at_risk,
        is_at_risk,
        risk_reasons,
        vertical,
        coverage_model,
        csm_ratio,
        cadence,
        is_coverage_boosted,
        csm_owner
    from assignments
    where as_of_date between {{ as_of_start() }} and {{ as_of_end() }}

)

select * from final
