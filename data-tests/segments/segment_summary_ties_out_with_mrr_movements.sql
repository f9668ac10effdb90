-- Segment analytics tie out with mrr_movements: for every month from the first one with segments
-- (mrr_movements also holds the revenue history before the first computed as-of day) and every
-- segment type, the values' ARR columns add up to 12 x the company's MRR movements, and the
-- starting-ARR-weighted GRR and NRR of the values add up to the company's GRR and NRR numerators.
-- Each segment row also rolls forward (starting + new + expansion - contraction - churned =
-- ending). Returns offending rows.

-- It reads two models: Dagster shows it as a check of the segment analytics it guards.
{{ config(meta={'dagster': {'ref': {'name': 'segment_summary_monthly'}}}) }}

with

summary as (

    select * from {{ ref('segment_summary_monthly') }}

),

mrr_movements as (

    select * from {{ ref('mrr_movements') }}

),

company as (

    select
        month,
        count(*) as accounts,
        12 * sum(previous_mrr) as starting_arr,
        12 * sum(mrr) as ending_arr,
        12 * sum(case when movement in ('new', 'reactivation') then mrr_change else 0 end) as new_arr,
        12 * sum(case when movement = 'expansion' then mrr_change else 0 end) as expansion_arr,
        12 * sum(case when movement = 'contraction' then -mrr_change else 0 end) as contraction_arr,
        12 * sum(case when movement = 'churn' then previous_mrr else 0 end) as churned_arr
    from mrr_movements
    where month >= (select min(month) from summary)
    group by month

),

by_type as (

    select
        month,
        segment_type,
        sum(accounts) as accounts,
        sum(starting_arr) as starting_arr,
        sum(ending_arr) as ending_arr,
        sum(new_arr) as new_arr,
        sum(expansion_arr) as expansion_arr,
        sum(contraction_arr) as contraction_arr,
        sum(churned_arr) as churned_arr,
        sum(coalesce(grr * starting_arr, 0)) as retained_arr,
        sum(coalesce(nrr * starting_arr, 0)) as net_retained_arr
    from summary
    group by month, segment_type

),

mismatched_types as (

    select
        by_type.month,
        by_type.segment_type,
        'does not add up to mrr_movements' as problem
    from by_type
    inner join company
        on by_type.month = company.month
    where by_type.accounts <> company.accounts
        or by_type.starting_arr <> company.starting_arr
        or by_type.ending_arr <> company.ending_arr
        or by_type.new_arr <> company.new_arr
        or by_type.expansion_arr <> company.expansion_arr
        or by_type.contraction_arr <> company.contraction_arr
        or by_type.churned_arr <> company.churned_arr
        -- a cent of float noise is not a mismatch
        or abs(by_type.retained_arr - (company.starting_arr - company.contraction_arr - company.churned_arr)) > 0.01
        or abs(by_type.net_retained_arr
            - (company.starting_arr + company.expansion_arr - company.contraction_arr - company.churned_arr)) > 0.01

),

missing_months as (

    select
        company.month,
        segment_types.segment_type,
        'month missing from segment_summary_monthly' as problem
    from company
    cross join (select distinct segment_type from summary) as segment_types
    left join by_type
        on company.month = by_type.month
        and segment_types.segment_type = by_type.segment_type
    where by_type.month is null

),

not_rolling_forward as (

    select
        month,
        segment_type,
        'ending_arr does not roll forward from starting_arr' as problem
    from summary
    where starting_arr + new_arr + expansion_arr - contraction_arr - churned_arr <> ending_arr

)

select * from mismatched_types
union all
select * from missing_months
union all
select * from not_rolling_forward
