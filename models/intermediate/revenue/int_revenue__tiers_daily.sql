{#-
    Revenue tier of every account and day of int_revenue__mrr_daily, with memory: the tier basis
    (var tier_basis) against the floors of seed revenue_tiers, with hysteresis, then the
    potential and reference overrides (potential ARR and the reference flag as they were on the
    day, from int_accounts__attribute_periods). A day's tier reads the account's days up to it
    only, so a day's tier is the same whether the history was built in one run or day by day.

    Incremental: a run reads the whole revenue history up to its last as-of day (the memory) and
    replaces the days of its as-of range. A table rather than a view, so the models that read the
    tiers (the features, the segment assignments) do not each compute the whole history again.

    Hysteresis, per tier, set-based: the account holds a tier on day D when the basis reached
    the tier's floor on some day up to D, and since the last such day it has not stayed below
    floor x (1 - downgrade_buffer_pct / 100) for downgrade_grace_days consecutive days (the
    downgrade shows on the day the run of days below reaches that length; a day back at or above
    the buffer floor restarts the count). Moving up needs no wait.
-#}

{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **incremental_by_day('as_of_date', ['account_id', 'as_of_date']),
    )
}}

{%- if var('tier_basis') not in ['current', 'potential', 'max_weighted'] %}
    {{ exceptions.raise_compiler_error("var tier_basis must be 'current', 'potential' or 'max_weighted', not '" ~ var('tier_basis') ~ "'") }}
{%- endif %}

with

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

attribute_periods as (

    select * from {{ ref('int_accounts__attribute_periods') }}

),

lifecycle_stages as (

    select * from {{ ref('int_revenue__lifecycle_stages_daily') }}

),

revenue_tiers as (

    select * from {{ ref('revenue_tiers') }}

),

-- the tier basis of each account and day, with the potential ARR and reference flag of the day
basis_history as (

    select
        mrr_daily.account_id,
        mrr_daily.as_of_date,
        mrr_daily.arr,
        mrr_daily.is_paying,
        attribute_periods.potential_arr,
        attribute_periods.is_reference,
        lifecycle_stages.is_live,
        case '{{ var("tier_basis") }}'
            when 'current' then mrr_daily.arr
            when 'potential' then coalesce(attribute_periods.potential_arr, mrr_daily.arr)
            when 'max_weighted'
                then greatest(
                    mrr_daily.arr,
                    {{ var('potential_arr_weight') }} * coalesce(attribute_periods.potential_arr, 0)
                )
        end as basis_arr
    from mrr_daily
    inner join lifecycle_stages
        on mrr_daily.account_id = lifecycle_stages.account_id
        and mrr_daily.as_of_date = lifecycle_stages.as_of_date
    left join attribute_periods
        on mrr_daily.account_id = attribute_periods.account_id
        and (attribute_periods.valid_from is null or mrr_daily.as_of_date >= attribute_periods.valid_from)
        and (attribute_periods.valid_to is null or mrr_daily.as_of_date <= attribute_periods.valid_to)
    -- the days up to the run's last as-of day are the memory of its days
    where mrr_daily.as_of_date <= {{ as_of_end() }}

),

-- each account-day against each tier: floor reached, or below the floor less its buffer
against_tiers as (

    select
        basis_history.account_id,
        basis_history.as_of_date,
        revenue_tiers.tier_rank,
        revenue_tiers.downgrade_grace_days,
        basis_history.basis_arr >= revenue_tiers.arr_floor as has_reached_floor,
        basis_history.arr >= revenue_tiers.arr_floor as has_arr_reached_floor,
        -- the overrides of the day: the potential ARR reaches the floor; the reference minimum tier
        (
            {{ var('potential_override_enabled') }}
            and basis_history.potential_arr >= revenue_tiers.arr_floor
        ) as has_potential_reached_floor,
        (
            basis_history.is_reference
            and revenue_tiers.tier_name = '{{ var("reference_min_tier") }}'
        ) as is_reference_min_tier,
        (
            basis_history.basis_arr * 100
            < revenue_tiers.arr_floor * (100 - revenue_tiers.downgrade_buffer_pct)
        ) as is_below_buffer
    from basis_history
    cross join revenue_tiers

),

-- the last day up to D the floor was reached, and the last day the basis was not below the buffer
last_days as (

    select
        *,
        max(case when has_reached_floor then as_of_date end) over account_tier_days as last_reached_on,
        max(case when not is_below_buffer then as_of_date end) over account_tier_days as last_above_buffer_on
    from against_tiers
    window account_tier_days as (
        partition by account_id, tier_rank
        order by as_of_date
        rows between unbounded preceding and current row
    )

),

-- a day on which the basis has been below the buffer for the whole grace period
-- (a run below the buffer is only possible after a day above it once the floor was reached)
grace_lapses as (

    select
        *,
        coalesce(
            is_below_buffer
            and downgrade_grace_days <= {{ dbt.datediff('last_above_buffer_on', 'as_of_date', 'day') }},
            false
        ) as has_grace_elapsed
    from last_days

),

-- the tier is held when its floor was reached after the last lapse (or no lapse yet)
held_tiers as (

    select
        *,
        (
            last_reached_on is not null
            and coalesce(
                max(case when has_grace_elapsed then as_of_date end) over account_tier_days < last_reached_on,
                true
            )
        ) as is_held
    from grace_lapses
    window account_tier_days as (
        partition by account_id, tier_rank
        order by as_of_date
        rows between unbounded preceding and current row
    )

),

-- without memory: the highest floor the basis (and the ARR) reaches today; with memory: the
-- highest tier held; the overrides: the highest floor the potential ARR reaches, a reference
-- account's minimum tier
tier_ranks as (

    select
        account_id,
        as_of_date,
        max(case when has_reached_floor then tier_rank end) as basis_tier_rank,
        max(case when has_arr_reached_floor then tier_rank end) as current_tier_rank,
        max(case when is_held then tier_rank end) as held_tier_rank,
        max(case when has_potential_reached_floor then tier_rank end) as potential_tier_rank,
        max(case when is_reference_min_tier then tier_rank end) as reference_tier_rank
    from held_tiers
    group by account_id, as_of_date

),

lowest_tier as (

    select min(tier_rank) as tier_rank
    from revenue_tiers

),

-- an account whose basis reaches no floor is served at the lowest tier; a churned account is
-- served no override (there is no relationship left to invest in)
ranked as (

    select
        basis_history.account_id,
        basis_history.as_of_date,
        basis_history.basis_arr,
        basis_history.potential_arr,
        basis_history.is_reference,
        basis_history.is_paying,
        coalesce(tier_ranks.basis_tier_rank, lowest_tier.tier_rank) as basis_tier_rank,
        coalesce(tier_ranks.current_tier_rank, lowest_tier.tier_rank) as current_tier_rank,
        coalesce(tier_ranks.held_tier_rank, lowest_tier.tier_rank) as held_tier_rank,
        case when basis_history.is_live then tier_ranks.potential_tier_rank end as potential_tier_rank,
        case when basis_history.is_live then tier_ranks.reference_tier_rank end as reference_tier_rank
    from basis_history
    inner join tier_ranks
        on basis_history.account_id = tier_ranks.account_id
        and basis_history.as_of_date = tier_ranks.as_of_date
    cross join lowest_tier

),

served as (

    select
        *,
        greatest(
            held_tier_rank,
            coalesce(potential_tier_rank, held_tier_rank),
            coalesce(reference_tier_rank, held_tier_rank)
        ) as tier_rank
    from ranked

),

-- the reason is the most lasting rule that gives the served tier: the basis itself, then the
-- potential override, then the reference override, then the grace period (which runs out)
final as (

    select
        served.account_id,
        served.as_of_date,
        served.basis_arr,
        served.potential_arr,
        served.is_reference,
        served.is_paying,
        served.basis_tier_rank,
        served.current_tier_rank,
        served.held_tier_rank,
        served.potential_tier_rank,
        served.reference_tier_rank,
        served.tier_rank,
        revenue_tiers.tier_name as arr_tier,
        case
            when served.tier_rank = served.basis_tier_rank then 'current_arr'
            when served.tier_rank = served.potential_tier_rank then 'potential_arr'
            when served.tier_rank = served.reference_tier_rank then 'reference_account'
            else 'downgrade_grace'
        end as tier_reason
    from served
    inner join revenue_tiers
        on served.tier_rank = revenue_tiers.tier_rank
    where served.as_of_date between {{ as_of_start() }} and {{ as_of_end() }}

)

select * from final
