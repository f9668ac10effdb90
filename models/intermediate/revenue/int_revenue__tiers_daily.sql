{#-
    Revenue tier of every account and day of int_revenue__mrr_daily, with memory: the tier basis
    (var tier_basis) against the floors of seed revenue_tiers, with hysteresis, then the
    potential and reference overrides (potential ARR and the reference flag as they were on the
    day, from int_accounts__attribute_periods). A day's tier reads the account's days up to it
    only, so a day's tier is the same whether the history was built in one run or day by day.

    Memory lives within a paying spell (a run of days with MRR) only. Per tier, set-based: the
    account holds a tier on a paying day D when the basis reached the tier's floor on some day of
    the spell up to D, and since the last such day it has not stayed below
    floor x (1 - downgrade_buffer_pct / 100) for downgrade_grace_days consecutive days (the
    downgrade shows on the day the run of days below reaches that length; a day back at or above
    the buffer floor restarts the count). Moving up needs no wait. Churn is not a downgrade: while
    the account does not pay, it keeps the tier of its last paying day (reason `churned`); a new
    spell starts from its ARR, with no memory of the old one.

    Incremental: a run reads the whole revenue history up to its last as-of day (the memory) and
    replaces the days of its as-of range. A table rather than a view, so the models that read the
    tiers (the features, the segment assignments) do not each compute the whole history again.
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
    left join attribute_periods
        on mrr_daily.account_id = attribute_periods.account_id
        and (attribute_periods.valid_from is null or mrr_daily.as_of_date >= attribute_periods.valid_from)
        and (attribute_periods.valid_to is null or mrr_daily.as_of_date <= attribute_periods.valid_to)
    -- the days up to the run's last as-of day are the memory of its days
    where mrr_daily.as_of_date <= {{ as_of_end() }}

),

-- the paying spell of each day (named by the last day without MRR before it; null for the first
-- spell of an account that paid from its first day) and the last paying day up to D (D itself
-- while paying; the day whose tier a churned account keeps)
spells as (

    select
        *,
        max(case when not is_paying then as_of_date end) over account_days as spell_after_unpaid_on,
        max(case when is_paying then as_of_date end) over account_days as last_paid_on
    from basis_history
    window account_days as (
        partition by account_id
        order by as_of_date
        rows between unbounded preceding and current row
    )

),

-- the lowest ARR that lets potential ARR lift an account to each tier: the floor of the tier
-- potential_max_tier_lift tiers below it (none below: any ARR)
tier_lifts as (

    select
        *,
        lag(arr_floor, {{ var('potential_max_tier_lift') }}) over (order by tier_rank) as lift_from_arr_floor
    from revenue_tiers

),

-- each paying account-day against each tier: floor reached, or below the floor less its buffer;
-- the overrides of the day: the potential ARR reaches the floor within the lift; the reference
-- minimum tier
against_tiers as (

    select
        spells.account_id,
        spells.as_of_date,
        spells.spell_after_unpaid_on,
        tier_lifts.tier_rank,
        tier_lifts.downgrade_grace_days,
        spells.basis_arr >= tier_lifts.arr_floor as has_reached_floor,
        spells.arr >= tier_lifts.arr_floor as has_arr_reached_floor,
        (
            {{ var('potential_override_enabled') }}
            and spells.potential_arr >= tier_lifts.arr_floor
            and spells.arr >= coalesce(tier_lifts.lift_from_arr_floor, 0)
        ) as is_potential_tier,
        (
            spells.is_reference
            and tier_lifts.tier_name = '{{ var("reference_min_tier") }}'
        ) as is_reference_min_tier,
        (
            spells.basis_arr * 100
            < tier_lifts.arr_floor * (100 - tier_lifts.downgrade_buffer_pct)
        ) as is_below_buffer
    from spells
    cross join tier_lifts
    where spells.is_paying

),

-- the last day of the spell up to D the floor was reached, and the last day the basis was not
-- below the buffer
last_days as (

    select
        *,
        max(case when has_reached_floor then as_of_date end) over spell_tier_days as last_reached_on,
        max(case when not is_below_buffer then as_of_date end) over spell_tier_days as last_above_buffer_on
    from against_tiers
    window spell_tier_days as (
        partition by account_id, spell_after_unpaid_on, tier_rank
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

-- the tier is held when its floor was reached in the spell after the last lapse (or no lapse yet)
held_tiers as (

    select
        *,
        (
            last_reached_on is not null
            and coalesce(
                max(case when has_grace_elapsed then as_of_date end) over spell_tier_days < last_reached_on,
                true
            )
        ) as is_held
    from grace_lapses
    window spell_tier_days as (
        partition by account_id, spell_after_unpaid_on, tier_rank
        order by as_of_date
        rows between unbounded preceding and current row
    )

),

-- per paying day, without memory: the highest floor the basis (and the ARR) reaches; with memory:
-- the highest tier held; the overrides: the highest tier the potential ARR lifts the account to,
-- a reference account's minimum tier
paying_ranks as (

    select
        account_id,
        as_of_date,
        max(case when has_reached_floor then tier_rank end) as basis_tier_rank,
        max(case when has_arr_reached_floor then tier_rank end) as current_tier_rank,
        max(case when is_held then tier_rank end) as held_tier_rank,
        max(case when is_potential_tier then tier_rank end) as potential_tier_rank,
        max(case when is_reference_min_tier then tier_rank end) as reference_tier_rank
    from held_tiers
    group by account_id, as_of_date

),

lowest_tier as (

    select min(tier_rank) as tier_rank
    from revenue_tiers

),

-- a paying day's tier: the highest of the held, potential and reference tiers (below every
-- floor, the lowest tier)
paying_tiers as (

    select
        paying_ranks.account_id,
        paying_ranks.as_of_date,
        paying_ranks.potential_tier_rank,
        paying_ranks.reference_tier_rank,
        coalesce(paying_ranks.basis_tier_rank, lowest_tier.tier_rank) as basis_tier_rank,
        coalesce(paying_ranks.current_tier_rank, lowest_tier.tier_rank) as current_tier_rank,
        coalesce(paying_ranks.held_tier_rank, lowest_tier.tier_rank) as held_tier_rank,
        greatest(
            coalesce(paying_ranks.held_tier_rank, lowest_tier.tier_rank),
            coalesce(paying_ranks.potential_tier_rank, lowest_tier.tier_rank),
            coalesce(paying_ranks.reference_tier_rank, lowest_tier.tier_rank)
        ) as tier_rank
    from paying_ranks
    cross join lowest_tier

),

-- every day: a paying day its own tier; a day without MRR the tier of the last paying day
-- (`churned`), or, before the account ever paid, the lowest tier. A paying day's reason is the
-- most lasting rule that gives its tier: the basis itself, then the potential override, then the
-- reference override, then the grace period (which runs out)
served as (

    select
        spells.account_id,
        spells.as_of_date,
        spells.basis_arr,
        spells.potential_arr,
        spells.is_reference,
        spells.is_paying,
        case when spells.is_paying then paying_tiers.basis_tier_rank end as basis_tier_rank,
        case
            when spells.is_paying then paying_tiers.current_tier_rank else lowest_tier.tier_rank
        end as current_tier_rank,
        case when spells.is_paying then paying_tiers.held_tier_rank end as held_tier_rank,
        case when spells.is_paying then paying_tiers.potential_tier_rank end as potential_tier_rank,
        case when spells.is_paying then paying_tiers.reference_tier_rank end as reference_tier_rank,
        coalesce(paying_tiers.tier_rank, lowest_tier.tier_rank) as tier_rank,
        case
            when not spells.is_paying and spells.last_paid_on is not null then 'churned'
            when not spells.is_paying then 'current_arr'
            when paying_tiers.tier_rank = paying_tiers.basis_tier_rank then 'current_arr'
            when paying_tiers.tier_rank = paying_tiers.potential_tier_rank then 'potential_arr'
            when paying_tiers.tier_rank = paying_tiers.reference_tier_rank then 'reference_account'
            else 'downgrade_grace'
        end as tier_reason
    from spells
    left join paying_tiers
        on spells.account_id = paying_tiers.account_id
        and spells.last_paid_on = paying_tiers.as_of_date
    cross join lowest_tier
    where spells.as_of_date between {{ as_of_start() }} and {{ as_of_end() }}

),

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
        served.tier_reason
    from served
    inner join revenue_tiers
        on served.tier_rank = revenue_tiers.tier_rank

)

select * from final
