{#-
    Health per account and as-of day: the six component scores of the account's profile, the
    share of the profile's weight that had data, the 0-100 score (the weighted mean of the
    components with data), its band, its change over 30 days and the component that costs the
    most points. Incremental: a run replaces the days of its as-of range.

    Everything after the components is computed from the published, rounded component scores
    and the seed weights, so a reader can redo it from the table; the driver compares exact
    decimals (weight x points missing), so a tie is a real tie, and a tie goes to the component
    first in the order of seed `health_components`.

    health_score_change_30d compares with the score recomputed from the features of D-30 (not
    with this table's earlier rows), so a one-day run and a range run give the same value, and
    both days are judged by the same seeds.
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

-- each band holds the scores from its min_score up to the next band's
band_ranges as (

    select
        health_band,
        min_score,
        lead(min_score) over (order by min_score) as next_min_score
    from health_bands

),

-- the run's days with their band, the score of the lookback day and the driver (dbt.cast spells
-- the contract's types the Spark way there)
final as (

    select
        {{ dbt.cast('health_scores.account_id', 'varchar') }} as account_id,
        cast(health_scores.as_of_date as date) as as_of_date,
        {{ dbt.cast('health_scores.health_profile', 'varchar') }} as health_profile,
        health_scores.usage_score,
        health_scores.adoption_score,
        health_scores.engagement_score,
        health_scores.support_score,
        health_scores.sentiment_score,
        health_scores.financial_score,
        health_scores.health_coverage,
        health_scores.health_score,
        {{ dbt.cast('band_ranges.health_band', 'varchar') }} as health_band,
        cast(health_scores.health_score - lookback.health_score as decimal(6, 2)) as health_score_change_30d,
        {{ dbt.cast('drivers.primary_risk_driver', 'varchar') }} as primary_risk_driver
    from health_scores
    left join drivers
        on health_scores.account_id = drivers.account_id
        and health_scores.as_of_date = drivers.as_of_date
    left join band_ranges
        on health_scores.health_score >= band_ranges.min_score
        and (band_ranges.next_min_score is null or health_scores.health_score < band_ranges.next_min_score)
    left join health_scores as lookback
        on health_scores.account_id = lookback.account_id
        and lookback.as_of_date = {{ add_days('health_scores.as_of_date', -lookback_days) }}
    where health_scores.as_of_date >= {{ first_day }}

)

select * from final
