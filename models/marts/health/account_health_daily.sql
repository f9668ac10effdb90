{#-
    Health per account and as-of day: the six component scores of the account's profile, the
    share of the profile's weight that had data, the 0-100 score (the weighted mean of the
    components with data), its band with memory, its change over 30 days and the component that
    costs the most points. Scored for live account-days only (trial, onboarding, adoption,
    renewal); on the other days every health column is null and the row stays. Incremental: a run
    replaces the days of its as-of range.

    Everything after the components is computed from the published, rounded component scores
    and the seed weights, so a reader can redo it from the table; the driver compares exact
    decimals (weight x points missing), so a tie is a real tie, and a tie goes to the component
    first in the order of seed `health_components`.

    health_score_change_30d compares with the score recomputed from the features of D-30 (not
    with this table's earlier rows), so a one-day run and a range run give the same value, and
    both days are judged by the same seeds.

    Band with memory, set-based: per band, the account is "at least" that band from a day its
    score reaches the band's min_score plus `health_band_recovery_points` (or, on its first scored
    day, the min_score itself) until a day its score falls below the min_score; its band is the
    highest such band. Days without a score keep the memory. A run starts from each account's
    `held_health_band` of the day before its first day, read from this table, so a range run
    equals day-by-day runs and a run reads no older day.
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
{%- set lookback_days = var('health_change_lookback_days') %}
{%- set recovery_points = var('health_band_recovery_points') %}

with

component_scores as (

    select * from {{ ref('int_health__component_scores') }}

),

health_components as (

    select * from {{ ref('health_components') }}

),

health_bands as (

    select * from {{ ref('health_bands') }}

),

lifecycle_stages as (

    select * from {{ ref('int_revenue__lifecycle_stages_daily') }}

),

-- the run's days and the lookback days before them, each component rounded as published (left
-- join: a row without a component, for a day without a profile, reaches the contract)
scored_components as (

    select
        component_scores.account_id,
        component_scores.as_of_date,
        component_scores.health_profile,
        component_scores.component,
        component_scores.component_weight,
        {{ health_decimal('component_scores.component_score', 5, 2) }} as component_score,
        health_components.component_order
    from component_scores
    left join health_components
        on component_scores.component = health_components.component
    where component_scores.as_of_date >= {{ add_days(first_day, -lookback_days) }}
        and component_scores.as_of_date <= {{ last_day }}

),

-- the weight each component brings to the score when it has data, and the weighted points it
-- costs against a perfect score (null without data)
component_losses as (

    select
        *,
        case when component_score is not null then component_weight else 0 end as weight_with_data,
        component_weight * (100 - component_score) as points_lost
    from scored_components

),

-- the components that cost points, from the costliest down; on a tie, the first in the seed's order
ranked_losses as (

    select
        account_id,
        as_of_date,
        component,
        row_number() over (
            partition by account_id, as_of_date
            order by points_lost desc, component_order asc
        ) as loss_rank
    from component_losses
    where points_lost > 0

),

-- the driver: the costliest component (none when no component costs points)
drivers as (

    select
        account_id,
        as_of_date,
        component as primary_risk_driver
    from ranked_losses
    where loss_rank = 1

),

-- a row per account-day: the components side by side; coverage: share of the profile's weight
-- with data; score: weighted mean of those components
health_scores as (

    select
        account_id,
        as_of_date,
        health_profile,
        max(case when component = 'usage' then component_score end) as usage_score,
        max(case when component = 'adoption' then component_score end) as adoption_score,
        max(case when component = 'engagement' then component_score end) as engagement_score,
        max(case when component = 'support' then component_score end) as support_score,
        max(case when component = 'sentiment' then component_score end) as sentiment_score,
        max(case when component = 'financial' then component_score end) as financial_score,
        {{ health_decimal('sum(weight_with_data) / nullif(sum(component_weight), 0)', 5, 4) }}
            as health_coverage,
        {{ health_decimal(
            'sum(component_weight * component_score) / nullif(sum(weight_with_data), 0)', 5, 2
        ) }} as health_score
    from component_losses
    group by
        account_id,
        as_of_date,
        health_profile

),

-- live days keep their health; on the other days (churned, lapsed trial) every health column is
-- null: health is the health of a live relationship
live_scores as (

    select
        health_scores.account_id,
        health_scores.as_of_date,
        health_scores.health_profile,
        case when lifecycle_stages.is_live then health_scores.usage_score end as usage_score,
        case when lifecycle_stages.is_live then health_scores.adoption_score end as adoption_score,
        case when lifecycle_stages.is_live then health_scores.engagement_score end as engagement_score,
        case when lifecycle_stages.is_live then health_scores.support_score end as support_score,
        case when lifecycle_stages.is_live then health_scores.sentiment_score end as sentiment_score,
        case when lifecycle_stages.is_live then health_scores.financial_score end as financial_score,
        case when lifecycle_stages.is_live then health_scores.health_coverage end as health_coverage,
        case when lifecycle_stages.is_live then health_scores.health_score end as health_score,
        case when lifecycle_stages.is_live then drivers.primary_risk_driver end as primary_risk_driver
    from health_scores
    inner join lifecycle_stages
        on health_scores.account_id = lifecycle_stages.account_id
        and health_scores.as_of_date = lifecycle_stages.as_of_date
    left join drivers
        on health_scores.account_id = drivers.account_id
        and health_scores.as_of_date = drivers.as_of_date

),

-- each account's held band on the day before the run (none on a first build): the memory the
-- run starts from
carried_bands as (

    {%- if is_incremental() %}

    select
        previous_day.account_id,
        health_bands.band_rank as carried_band_rank
    from {{ this }} as previous_day
    inner join health_bands
        on previous_day.held_health_band = health_bands.health_band
    where previous_day.as_of_date = {{ add_days(first_day, -1) }}

    {%- else %}

    select
        account_id,
        cast(null as integer) as carried_band_rank
    from health_scores
    where 1 = 0

    {%- endif %}

),

-- the run's days, with the memory carried in and the account's first scored day of the run
run_days as (

    select
        live_scores.*,
        carried_bands.carried_band_rank,
        min(case when live_scores.health_score is not null then live_scores.as_of_date end)
            over (partition by live_scores.account_id) as first_scored_on
    from live_scores
    left join carried_bands
        on live_scores.account_id = carried_bands.account_id
    where live_scores.as_of_date >= {{ first_day }}

),

-- per day and band: the score reaches the band's min_score plus the recovery margin (or, on the
-- account's first scored day ever, the min_score itself), or falls below the min_score
band_crossings as (

    select
        run_days.account_id,
        run_days.as_of_date,
        run_days.carried_band_rank,
        health_bands.band_rank,
        (
            run_days.health_score >= health_bands.min_score + {{ recovery_points }}
            or (
                run_days.carried_band_rank is null
                and run_days.as_of_date = run_days.first_scored_on
                and run_days.health_score >= health_bands.min_score
            )
        ) as has_reached_band,
        run_days.health_score < health_bands.min_score as has_fallen_below_band
    from run_days
    cross join health_bands

),

-- the last day up to D the account reached each band, and the last day it fell below it
last_crossings as (

    select
        *,
        max(case when has_reached_band then as_of_date end) over account_band_days as last_reached_on,
        max(case when has_fallen_below_band then as_of_date end) over account_band_days as last_fallen_on
    from band_crossings
    window account_band_days as (
        partition by account_id, band_rank
        order by as_of_date
        rows between unbounded preceding and current row
    )

),

-- at least the band when it was reached after the last fall below it; without a crossing in the
-- run, as carried in (the memory holds a band and every band below it)
band_memberships as (

    select
        account_id,
        as_of_date,
        band_rank,
        case
            when last_reached_on is null and last_fallen_on is null then carried_band_rank >= band_rank
            when last_fallen_on is null then true
            when last_reached_on is null then false
            else last_reached_on > last_fallen_on
        end as is_at_least_band
    from last_crossings

),

-- the band the memory holds at the end of each day: the highest band the account is at least
held_bands as (

    select
        band_memberships.account_id,
        band_memberships.as_of_date,
        max(case when band_memberships.is_at_least_band then band_memberships.band_rank end) as held_band_rank
    from band_memberships
    group by
        band_memberships.account_id,
        band_memberships.as_of_date

),

-- the run's days with their band (the held band, on a day with a score) and the score of the
-- lookback day (dbt.cast spells the contract's types the Spark way there)
final as (

    select
        {{ dbt.cast('run_days.account_id', 'varchar') }} as account_id,
        cast(run_days.as_of_date as date) as as_of_date,
        {{ dbt.cast('run_days.health_profile', 'varchar') }} as health_profile,
        run_days.usage_score,
        run_days.adoption_score,
        run_days.engagement_score,
        run_days.support_score,
        run_days.sentiment_score,
        run_days.financial_score,
        run_days.health_coverage,
        run_days.health_score,
        {{ dbt.cast(
            'case when run_days.health_score is not null then band_names.health_band end', 'varchar'
        ) }} as health_band,
        cast(run_days.health_score - lookback.health_score as decimal(6, 2)) as health_score_change_30d,
        {{ dbt.cast('run_days.primary_risk_driver', 'varchar') }} as primary_risk_driver,
        {{ dbt.cast('band_names.health_band', 'varchar') }} as held_health_band
    from run_days
    inner join held_bands
        on run_days.account_id = held_bands.account_id
        and run_days.as_of_date = held_bands.as_of_date
    left join health_bands as band_names
        on held_bands.held_band_rank = band_names.band_rank
    left join live_scores as lookback
        on run_days.account_id = lookback.account_id
        and lookback.as_of_date = {{ add_days('run_days.as_of_date', -lookback_days) }}

)

select * from final
