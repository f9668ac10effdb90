{#-
    Health metrics in long form: one row per account, as-of day and metric of the account's
    profile, with the metric's value. Seed `health_metric_targets` says which metrics exist (with
    their component, direction, floor and target per profile); each metric is one branch of the
    `case` in `metric_values`. Adding a metric is one branch here and its rows in the seed.

    A null value is no data: no NPS answer, no ticket with CSAT, no touchpoint or QBR ever, no
    MRR 90 days ago ("never" is not scored as "long ago": accounts without a CSM programme never
    get a QBR). The profile follows the plan and the industry of the day.

    Seasonal use (a school in summer) looks dead in one 30-day window, so the quarter metrics
    read D's activity window and the two before it (D-30, D-60 by default) from the features of
    those days: active days in the quarter (the windows do not overlap, so their sum is exact) and
    the peak 30-day seat utilization and feature breadth. Active days of an account younger than
    the window are scaled to it (judged on the days it has had), and the metrics of a component
    that needs history (seed `health_components`) are no data during the account's first
    `health_min_history_days` days: a new account is not red for being new.
    A view over every day: account_health_daily reads the days it computes.
-#}

{%- set window_days = var('activity_window_days') %}

with

features as (

    select
        *,
        {{ dbt.datediff('first_started_on', 'as_of_date', 'day') }}
            as days_since_first_start
    from {{ ref('account_features_daily') }}

),

account_profiles as (

    select * from {{ ref('int_health__account_profiles') }}

),

metric_targets as (

    select * from {{ ref('health_metric_targets') }}

),

health_components as (

    select * from {{ ref('health_components') }}

),

-- the two activity windows before D's: with D's they make a quarter
earlier_windows as (

    select
        account_id,
        as_of_date,
        active_days_30d,
        seat_utilization,
        feature_breadth
    from features

),

-- each account-day's features beside those of the windows ending 30 and 60 days earlier
quarters as (

    select
        features.*,
        previous_window.active_days_30d as previous_window_active_days,
        window_before.active_days_30d as window_before_active_days,
        previous_window.seat_utilization as previous_window_seat_utilization,
        window_before.seat_utilization as window_before_seat_utilization,
        previous_window.feature_breadth as previous_window_feature_breadth,
        window_before.feature_breadth as window_before_feature_breadth
    from features
    left join earlier_windows as previous_window
        on features.account_id = previous_window.account_id
        and previous_window.as_of_date = {{ add_days('features.as_of_date', -window_days) }}
    left join earlier_windows as window_before
        on features.account_id = window_before.account_id
        and window_before.as_of_date = {{ add_days('features.as_of_date', -2 * window_days) }}

),

-- the metrics each profile scores, with whether their component needs history
profile_metrics as (

    select
        metric_targets.health_profile,
        metric_targets.component,
        metric_targets.metric,
        health_components.needs_history
    from metric_targets
    inner join health_components
        on metric_targets.component = health_components.component

),

-- every metric of the account's profile, one branch per metric (left joins: a day without a
-- profile keeps a null profile, which account_health_daily's contract refuses loudly); an
-- account younger than a window is judged on the days it has had (6 in 10 = 18 in 30)
metric_values as (

    select
        quarters.account_id,
        quarters.as_of_date,
        quarters.days_since_first_start,
        account_profiles.health_profile,
        profile_metrics.component,
        profile_metrics.metric,
        profile_metrics.needs_history,
        case profile_metrics.metric
            when 'active_days_30d' then {{ safe_divide(
                'quarters.active_days_30d * ' ~ window_days,
                'least(' ~ window_days ~ ', quarters.days_since_first_start + 1)'
            ) }}
            when 'active_days_90d' then {{ safe_divide(
                '(quarters.active_days_30d + coalesce(quarters.previous_window_active_days, 0)'
                    ~ ' + coalesce(quarters.window_before_active_days, 0)) * ' ~ 3 * window_days,
                'least(' ~ 3 * window_days ~ ', quarters.days_since_first_start + 1)'
            ) }}
            when 'usage_change_ratio' then quarters.usage_change_ratio
            when 'seat_utilization' then quarters.seat_utilization
            when 'seat_utilization_peak_90d'
                then greatest(
                    quarters.seat_utilization,
                    quarters.previous_window_seat_utilization,
                    quarters.window_before_seat_utilization
                )
            when 'feature_breadth' then quarters.feature_breadth
            when 'feature_breadth_peak_90d'
                then greatest(
                    quarters.feature_breadth,
                    quarters.previous_window_feature_breadth,
                    quarters.window_before_feature_breadth
                )
            when 'days_since_admin_login' then quarters.days_since_admin_login
            when 'days_since_touchpoint' then quarters.days_since_touchpoint
            when 'days_since_qbr' then quarters.days_since_qbr
            when 'tickets_opened_30d' then quarters.tickets_opened_30d
            when 'urgent_or_escalated_tickets_30d' then quarters.urgent_or_escalated_tickets_30d
            when 'avg_csat_90d' then quarters.avg_csat_90d
            when 'nps_180d' then quarters.nps_180d
            when 'past_due_invoices' then quarters.past_due_invoices
            -- the MRR trend as a ratio, comparable across account sizes
            when 'mrr_change_ratio_90d'
                then {{ safe_divide('quarters.mrr_change_90d', 'quarters.mrr_90d_ago') }}
        end as metric_value
    from quarters
    left join account_profiles
        on quarters.account_id = account_profiles.account_id
        and quarters.plan = account_profiles.plan
        and (account_profiles.valid_from is null or quarters.as_of_date >= account_profiles.valid_from)
        and (account_profiles.valid_to is null or quarters.as_of_date <= account_profiles.valid_to)
    left join profile_metrics
        on account_profiles.health_profile = profile_metrics.health_profile

),

-- the components that need history (usage and adoption) are no data in an account's first days:
-- too early to judge (its users are still being invited); the others judge it from its first day
final as (

    select
        account_id,
        as_of_date,
        health_profile,
        component,
        metric,
        case
            when not needs_history or days_since_first_start >= {{ var('health_min_history_days') }}
                then metric_value
        end as metric_value
    from metric_values

)

select * from final
