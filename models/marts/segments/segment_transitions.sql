{#-
    Segment transitions: one row per account, segment type and as-of day on which the value
    differs from the account's previous computed day, with the direction and the rule that moved
    it. Rebuilt from the daily history on every run, so a backfilled day shows
    up in its place.
-#}

with

memberships_daily as (

    select * from {{ ref('int_segments__memberships_daily') }}

),

with_previous as (

    select
        *,
        lag(segment_value) over account_type_days as from_value,
        lag(segment_rank) over account_type_days as from_rank,
        lag(segment_reason) over account_type_days as from_reason
    from memberships_daily
    window account_type_days as (partition by account_id, segment_type order by as_of_date)

),

changes as (

    select *
    from with_previous
    where from_value is not null
        and from_value <> segment_value

),

-- ordered types (tier rank, band rank) move up or down; the others, and to or from unknown, sideways
directed as (

    select
        *,
        case
            when segment_rank > from_rank then 'up'
            when segment_rank < from_rank then 'down'
            else 'lateral'
        end as direction
    from changes

),

-- the rule that moved the value
triggered as (

    select
        *,
        case
            -- a paying spell starts from its ARR, up or down from the tier kept while not paying
            when segment_type = 'arr_tier' and from_reason = 'churned' then 'reactivated'
            when segment_type = 'arr_tier' and direction = 'up'
                then case segment_reason
                    when 'potential_arr' then 'potential_arr_override'
                    when 'reference_account' then 'reference_override'
                    else 'arr_above_floor'
                end
            when segment_type = 'arr_tier'
                then case from_reason
                    when 'downgrade_grace' then 'grace_period_elapsed'
                    when 'potential_arr' then 'override_ended'
                    when 'reference_account' then 'override_ended'
                    else 'arr_below_floor'
                end
            when segment_type = 'lifecycle_stage'
                then case
                    when segment_value = 'churned' then 'churned'
                    when from_value = 'churned' then 'reactivated'
                    when segment_value = 'lapsed_trial' then 'trial_lapsed'
                    when segment_value = 'trial' then 'trial_restarted'
                    when from_value in ('trial', 'lapsed_trial') then 'trial_converted'
                    when from_value = 'onboarding' then 'onboarding_completed'
                    when segment_value = 'renewal' then 'renewal_window_opened'
                    when from_value = 'renewal' then 'renewal_window_closed'
                end
            -- a worse band as soon as the score falls below its floor, a better one past the margin;
            -- to or from unknown or none (no score, not live): changed
            when segment_type = 'health_band'
                then case direction
                    when 'down' then 'health_band_worsened'
                    when 'up' then 'health_band_recovered'
                    else 'health_band_changed'
                end
            when segment_type = 'vertical' then 'industry_changed'
            -- at risk on the first day the rule holds; cleared after the exit days without it, or
            -- at once when the account is no longer live
            when segment_type = 'risk'
                then case
                    when segment_value = 'at_risk' then 'risk_rule_fired'
                    when segment_reason = 'not_live' then 'no_longer_live'
                    else 'risk_cleared'
                end
        end as trigger_rule
    from directed

),

final as (

    select
        {{ dbt.cast("account_id", "varchar") }} as account_id,
        cast(as_of_date as date) as effective_date,
        {{ dbt.cast("segment_type", "varchar") }} as segment_type,
        {{ dbt.cast("from_value", "varchar") }} as from_value,
        {{ dbt.cast("segment_value", "varchar") }} as to_value,
        {{ dbt.cast("direction", "varchar") }} as direction,
        {{ dbt.cast("trigger_rule", "varchar") }} as trigger
    from triggered

)

select * from final
