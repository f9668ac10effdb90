{#-
    Revenue tier of every account and day of account_features_daily, with memory: the tier basis
    (var tier_basis) against the floors of seed revenue_tiers, with hysteresis, then the
    potential and reference overrides. A day's tier reads the account's days up to it only, so
    the view serves any as-of day that has been computed, and a day's tier is the same whether
    the history was built in one run or day by day.

    Hysteresis, per tier, set-based: the account holds a tier on day D when the basis reached
    the tier's floor on some day up to D, and since the last such day it has not stayed below
    floor x (1 - downgrade_buffer_pct / 100) for downgrade_grace_days consecutive days (the
    downgrade shows on the day the run of days below reaches that length; a day back at or above
    the buffer floor restarts the count). Moving up needs no wait.
-#}

{%- if var('tier_basis') not in ['current', 'potential', 'max_weighted'] %}
    {{ exceptions.raise_compiler_error("var tier_basis must be 'current', 'potential' or 'max_weighted', not '" ~ var('tier_basis') ~ "'") }}
{%- endif %}

with

account_features as (

    select * from {{ ref('account_features_daily') }}

),

accounts as (

    select * from {{ ref('stg_accounts') }}

),

lifecycle_stages as (

    select * from {{ ref('int_segments__lifecycle_stages_daily') }}

),

revenue_tiers as (

    select * from {{ ref('revenue_tiers') }}

),

-- the tier basis of each account and day (potential ARR, when used, is the account's current value)
basis_history as (

    select
        account_features.account_id,
        account_features.as_of_date,
        accounts.potential_arr,
        accounts.is_reference,
        lifecycle_stages.is_churned,
        case '{{ var("tier_basis") }}'
            when 'current' then account_features.arr
            when 'potential' then coalesce(accounts.potential_arr, account_features.arr)
            when 'max_weighted'
                then greatest(
                    account_features.arr,
                    {{ var('potential_arr_weight') }} * coalesce(accounts.potential_arr, 0)
                )
        end as basis_arr
    from account_features
    inner join accounts
        on account_features.account_id = accounts.account_id
    inner join lifecycle_stages
        on account_features.account_id = lifecycle_stages.account_id
        and account_features.as_of_date = lifecycle_stages.as_of_date

),

-- each account-day against each tier: floor reached, or below the floor less its buffer
against_tiers as (

    select
        basis_history.account_id,
        basis_history.as_of_date,
        revenue_tiers.tier_rank,
        revenue_tiers.downgrade_grace_days,
        basis_history.basis_arr >= revenue_tiers.arr_floor as has_reached_floor,
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

-- without memory: the highest floor the basis reaches today; with memory: the highest tier held
tier_ranks as (

    select
        account_id,
        as_of_date,
        max(case when has_reached_floor then tier_rank end) as basis_tier_rank,
        max(case when is_held then tier_rank end) as held_tier_rank
    from held_tiers
    group by account_id, as_of_date

),

-- overrides per account: the highest floor its potential ARR reaches; a reference account's minimum tier
account_overrides as (

    select
        accounts.account_id,
        max(
            case
                when {{ var('potential_override_enabled') }}
                    and revenue_tiers.arr_floor <= accounts.potential_arr
                    then revenue_tiers.tier_rank
            end
        ) as potential_tier_rank,
        max(
            case
                when accounts.is_reference and revenue_tiers.tier_name = '{{ var("reference_min_tier") }}'
                    then revenue_tiers.tier_rank
            end
        ) as reference_tier_rank
    from accounts
    cross join revenue_tiers
    group by accounts.account_id

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
        basis_history.is_churned,
        coalesce(tier_ranks.basis_tier_rank, lowest_tier.tier_rank) as basis_tier_rank,
        coalesce(tier_ranks.held_tier_rank, lowest_tier.tier_rank) as held_tier_rank,
        case
            when not basis_history.is_churned then account_overrides.potential_tier_rank
        end as potential_tier_rank,
        case
            when not basis_history.is_churned then account_overrides.reference_tier_rank
        end as reference_tier_rank
    from basis_history
    inner join tier_ranks
        on basis_history.account_id = tier_ranks.account_id
        and basis_history.as_of_date = tier_ranks.as_of_date
    inner join account_overrides
        on basis_history.account_id = account_overrides.account_id
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
        served.is_churned,
        served.basis_tier_rank,
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

)

select * from final
