{#-
    The at-risk rule of every account and as-of day of account_features_daily, each of its rules on
    its own, and at risk with memory. The rule (`rule_is_at_risk`): a live account whose health
    band is one of `at_risk_health_bands`, or with `at_risk_min_signals` or more disengagement
    signals, or whose usage fell by `at_risk_usage_drop_pct` percent or more. With memory
    (`is_at_risk`): an account enters on the first day the rule holds and leaves only after the
    rule has not held for `at_risk_exit_days` consecutive days, i.e. it is at risk on D when it is
    live and the rule held on a day of D - (at_risk_exit_days - 1) .. D. `risk_reasons`: the rules
    that hold on D, or, while held by memory, those of the day the rule last held.

    Incremental: a run computes the rule for its days and reads the rule of the days before them
    that can still hold an account at risk from this table, so a range run equals day-by-day runs
    and a run reads no older day. A first build starts its memory with its first day.
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
{%- set exit_days = var('at_risk_exit_days') %}

with

account_features as (

    select * from {{ ref('account_features_daily') }}

),

account_health as (

    select * from {{ ref('account_health_daily') }}

),

lifecycle_stages as (

    select * from {{ ref('int_revenue__lifecycle_stages_daily') }}

),

-- each rule on its own, for the run's days; a day without a health band fires no band rule; the
-- disengagement signals on, for the reasons
rules as (

    select
        account_features.account_id,
        account_features.as_of_date,
        lifecycle_stages.is_live,
        coalesce(
            account_health.health_band in ({{ "'" ~ var('at_risk_health_bands') | join("', '") ~ "'" }}),
            false
        ) as is_risk_health_band,
        account_features.disengagement_signal_count >= {{ var('at_risk_min_signals') }}
            as is_risk_disengagement,
        -- "dropped by 30% or more": the threshold itself is a drop; integer arithmetic, no rounding
        (
            account_features.events_prev_30d > 0
            and account_features.events_30d * 100
            <= account_features.events_prev_30d * (100 - {{ var('at_risk_usage_drop_pct') }})
        ) as is_risk_usage_drop,
        {{ flag_labels([
            ['account_features.has_signal_inactive_users', 'inactive_users'],
            ['account_features.has_signal_no_qbr', 'no_qbr'],
            ['account_features.has_signal_usage_drop', 'usage_drop'],
            ['account_features.has_signal_no_touchpoint', 'no_touchpoint'],
            ['account_features.has_signal_no_admin_login', 'no_admin_login'],
        ]) }} as disengagement_signals
    from account_features
    inner join lifecycle_stages
        on account_features.account_id = lifecycle_stages.account_id
        and account_features.as_of_date = lifecycle_stages.as_of_date
    left join account_health
        on account_features.account_id = account_health.account_id
        and account_features.as_of_date = account_health.as_of_date
    where account_features.as_of_date >= {{ first_day }}
        and account_features.as_of_date <= {{ last_day }}

),

-- the rule's answer: a rule fires on a live account; the rules that hold, in a fixed order and
-- separated by '; ', the disengagement rule with the signals on
rule_days as (

    select
        account_id,
        as_of_date,
        is_live,
        is_risk_health_band,
        is_risk_disengagement,
        is_risk_usage_drop,
        is_live and (is_risk_health_band or is_risk_disengagement or is_risk_usage_drop) as rule_is_at_risk,
        case
            when is_live then {{ flag_labels([
                ['is_risk_health_band', 'health_band'],
                ['is_risk_disengagement', 'disengagement_signals', 'disengagement_signals'],
                ['is_risk_usage_drop', 'usage_drop'],
            ], '; ') }}
        end as rule_risk_reasons
    from rules

),

-- the rule's answer on the days before the run that can still hold one of its days at risk
-- (none on a first build)
earlier_days as (

    {%- if is_incremental() %}

    select
        account_id,
        as_of_date,
        rule_is_at_risk,
        rule_risk_reasons
    from {{ this }}
    where as_of_date >= {{ add_days(first_day, -(exit_days - 1)) }}
        and as_of_date < {{ first_day }}

    {%- else %}

    select
        account_id,
        as_of_date,
        rule_is_at_risk,
        rule_risk_reasons
    from rule_days
    where 1 = 0

    {%- endif %}

),

rule_history as (

    select
        account_id,
        as_of_date,
        rule_is_at_risk,
        rule_risk_reasons
    from rule_days

    union all

    select
        account_id,
        as_of_date,
        rule_is_at_risk,
        rule_risk_reasons
    from earlier_days

),

-- the last day up to D the rule held
last_held as (

    select
        account_id,
        as_of_date,
        max(case when rule_is_at_risk then as_of_date end) over (
            partition by account_id
            order by as_of_date
            rows between unbounded preceding and current row
        ) as rule_last_held_on
    from rule_history

),

-- at risk on a live day when the rule held on one of the last at_risk_exit_days days (D
-- included); the reasons of the day it last held
final as (

    select
        rule_days.account_id,
        rule_days.as_of_date,
        rule_days.is_live,
        rule_days.is_risk_health_band,
        rule_days.is_risk_disengagement,
        rule_days.is_risk_usage_drop,
        rule_days.rule_is_at_risk,
        rule_days.rule_risk_reasons,
        coalesce(
            rule_days.is_live
            and last_held.rule_last_held_on >= {{ add_days('rule_days.as_of_date', -(exit_days - 1)) }},
            false
        ) as is_at_risk,
        case
            when rule_days.is_live
                and last_held.rule_last_held_on >= {{ add_days('rule_days.as_of_date', -(exit_days - 1)) }}
                then held_day.rule_risk_reasons
        end as risk_reasons
    from rule_days
    inner join last_held
        on rule_days.account_id = last_held.account_id
        and rule_days.as_of_date = last_held.as_of_date
    left join rule_history as held_day
        on last_held.account_id = held_day.account_id
        and last_held.rule_last_held_on = held_day.as_of_date

)

select * from final
